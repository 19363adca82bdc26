package org.convnet4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.util.ProgressOutput;
import org.junit.jupiter.api.Test;

/** The epoch's progress counts the pictures the epoch really has, from its first drawing on. */
class ProgressBarListenerTest {
    @Test
    void theEpochsImageCountIsExactFromTheStartWhenTheLastBatchIsShort() {
        // 26 pictures in batches of 8: 4 batches, the last of 2; an estimate from the batches would say 32
        int n = 26;
        float[] x = new float[n * 4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            x[i * 4 + y[i]] = 1;
        }
        Dataset data = ArrayDataset.ofFloats(x, Shape.of(1, 2, 2), y, List.of("a", "b"));
        Sequential model = new Sequential("tiny", Shape.of(1, 2, 2), new Flatten(), new Dense(2));
        model.initialize(3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        List<Integer> seenAtStart = new ArrayList<>();
        TrainingListener probe = new TrainingListener() {
            @Override
            public void onEpochStart(TrainingContext ctx, int epoch) {
                seenAtStart.add(ctx.samplesPerEpoch());
            }
        };
        TrainConfig cfg = TrainConfig.builder(new Sgd(model, 0.1)).epochs(2).batchSize(8).seed(1).build();
        new Trainer(cfg).addListener(probe).addListener(new ProgressBarListener(out, ProgressOutput.Mode.BAR))
                .fit(model, data, null);

        assertEquals(List.of(26, 26), seenAtStart);
        String text = bytes.toString(StandardCharsets.UTF_8);
        // every drawing of the bar, the first one (0 done) included, counts of 26
        List<String> frames = new ArrayList<>();
        for (String f : text.split("[\r\n]")) {
            if (f.startsWith("epoch ")) {
                frames.add(f);
            }
        }
        assertTrue(frames.size() >= 4, text);
        assertTrue(frames.get(0).contains(" 0 of 26 img"), frames.get(0));
        for (String f : frames) {
            assertTrue(f.contains(" of 26 img"), f);
            assertFalse(f.contains(" of 32 img"), f);
        }
        assertTrue(frames.stream().anyMatch(f -> f.contains("100% [") && f.contains("26 of 26 img")), text);
    }
}
