package org.convnet4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Random;
import com.google.gson.JsonObject;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.internal.json.Json;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSummary;
import org.convnet4j.tensor.Shape;
import org.convnet4j.testsupport.TemporaryProperty;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.Trainer;
import org.convnet4j.util.MemoryBudget;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;

/** evaluate's measurement and its two printed forms, as a library call. */
class EvaluationReportTest {
    private static final List<String> NAMES = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");

    private static ArrayDataset data(int n) {
        Random r = new Random(5);
        float[] x = new float[n * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 10;
        }
        return ArrayDataset.ofFloats(x, Shape.of(1, 28, 28), labels, NAMES);
    }

    @Test
    void theReportIsTheTrainersMetricsWithTopKAndNames() {
        Model net = LeNet5.build().initialize(3);
        ArrayDataset test = data(40);
        EvaluationReport r = EvaluationReport.run(net, "m.c4j", test, "dir/", 16, 3);
        Metrics direct = Trainer.evaluate(net, test, 7);
        assertEquals(direct.accuracy(), r.metrics().accuracy());
        assertEquals(direct.topKAccuracy(3), r.metrics().topKAccuracy(3));
        assertEquals(40, r.samples());

        JsonObject o = Json.parseObject(r.toJson(), "test");
        assertEquals("m.c4j", o.get("model").getAsString());
        assertEquals("dir/", o.get("data").getAsString());
        assertEquals(3, o.get("top_k").getAsInt());
        assertEquals(direct.topKAccuracy(3), o.get("top_k_accuracy").getAsDouble(), 1e-12);
        assertEquals(direct.accuracy(), o.get("accuracy").getAsDouble(), 1e-12);

        String[] lines = r.text().split(System.lineSeparator(), -1);
        assertEquals("m.c4j on dir/ (40 pictures)", lines[0]);
        assertEquals(String.format(Locale.ROOT, "loss %.4f  accuracy %.4f  top-3 accuracy %.4f  macro F1 %.4f",
                r.metrics().loss(), direct.accuracy(), direct.topKAccuracy(3), direct.confusion().macroF1()), lines[1]);
        assertEquals("", lines[2]);
        assertTrue(r.text().endsWith(direct.confusion().toString()));
    }

    @Test
    void badSettingsAreRefusedBeforeAnyForwardPass() {
        Model net = LeNet5.build().initialize(3);
        ArrayDataset test = data(40);
        assertThrows(IllegalArgumentException.class, () -> EvaluationReport.run(net, "m", test, "d", 16, 11));
        assertThrows(IllegalArgumentException.class, () -> EvaluationReport.run(net, "m", test, "d", 16, 0));
        assertThrows(IllegalArgumentException.class, () -> EvaluationReport.run(net, "m", test, "d", 0, 1));
        long between = (ModelSummary.of(net).inferenceMemoryBytes(4) + ModelSummary.of(net).inferenceMemoryBytes(32)) / 2;
        try (TemporaryProperty p = TemporaryProperty.set(MemoryBudget.PROPERTY, Long.toString(between))) {
            MemoryBudget.SettingTooLargeException e = assertThrows(MemoryBudget.SettingTooLargeException.class,
                    () -> EvaluationReport.run(net, "m", test, "d", 256, 1));
            assertTrue(e.getMessage().startsWith("batch 256: a forward pass of 40 pictures needs at least"),
                    e.getMessage());
            assertEquals(40, EvaluationReport.run(net, "m", test, "d", 4, 1).samples()); // the control fits
        }
    }
}
