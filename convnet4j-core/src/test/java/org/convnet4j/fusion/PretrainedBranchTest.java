package org.convnet4j.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.FashionMnist;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.image.Images;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.run.FusionBranches;
import org.convnet4j.run.FusionRun;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pretrained branch read from a model file keeps its weights, and fixes the shape its input's pictures take. */
class PretrainedBranchTest {
    @Test
    void initializingTheFusedModelKeepsTheLoadedBranch(@TempDir Path dir) throws Exception {
        Model trained = FusionNets.smallCnn(Shape.of(1, 12, 12), 3).initialize(5);
        ModelFiles.save(trained, dir.resolve("branch.c4j"));
        Model pretrained = ModelFiles.load(dir.resolve("branch.c4j"));
        Graph fused = IntermediateFusion.builder(3)
                .branch("a", pretrained, "pool2")
                .branch("b", FusionNets.smallCnn(Shape.of(1, 12, 12), 3), "pool2")
                .build();
        fused.initialize(99);
        int compared = 0;
        for (var e : trained.namedParameters().entrySet()) {
            Parameter p = fused.namedParameters().get("a_branch." + e.getKey());
            if (p != null) {
                assertArrayEquals(e.getValue().value().data(), p.value().data(), e.getKey());
                compared++;
            }
        }
        assertFalse(compared == 0, "the fused model has the branch's parameters under a_branch.*");
    }

    /**
     * Colour 48x64 folders with a grey 28x28 pretrained branch (a base trained on grey pictures): the pictures are
     * converted to the branch's input, as every command converts pictures for a model, where before the run refused
     * them ("branch base.c4j takes [[1, 28, 28]] but input 'a' is [3, 48, 64]"); evaluation (the recorded folders)
     * and prediction (a picture file) then prepare them exactly as training read them.
     */
    @Test
    void colourFoldersAreConvertedToAGreyPretrainedBranchForTrainingEvaluationAndPrediction(@TempDir Path dir)
            throws Exception {
        Path base = dir.resolve("base.c4j");
        ModelFiles.save(FusionNets.smallCnn(Shape.of(1, 28, 28), 2).initialize(5), base);
        Random r = new Random(7);
        Map<String, String> sources = new LinkedHashMap<>();
        for (String input : List.of("a", "b")) {
            for (String cls : List.of("dark", "light")) {
                Path d = Files.createDirectories(dir.resolve(input).resolve(cls));
                for (int i = 0; i < 4; i++) {
                    Tensor t = Tensor.zeros(3, 48, 64);
                    for (int j = 0; j < t.size(); j++) {
                        t.data()[j] = (cls.equals("dark") ? 20 : 170) + r.nextInt(80);
                    }
                    Images.write(t, d.resolve(i + ".png"));
                }
            }
            sources.put(input, dir.resolve(input).toString());
        }
        FusionRun.Settings settings = new FusionRun.Settings("intermediate", Join.CONCAT,
                FusionRun.BranchWeights.TRAINED, DecisionFusion.Mode.MEAN, 0.15, 1, 4, 0.002, 0.25, 42);
        FusionBranches branches = new FusionBranches(base.toString(), null);
        Map<String, Shape> fixed = branches.inputShapes(settings, sources.keySet());
        assertEquals(Map.of("a", Shape.of(1, 28, 28), "b", Shape.of(1, 28, 28)), fixed);
        // early fusion's one network takes the inputs stacked: no input has a shape of its own to convert to
        assertEquals(Map.of(), new FusionBranches(base.toString(), null).inputShapes(FusionRun.Settings.of("early"),
                sources.keySet()));

        List<String> notes = new ArrayList<>();
        MultiInputDataset data = FusionSources.of(sources).load(FusionSources.Part.TRAIN, null, null, fixed,
                PairedFolders.OnMissing.FAIL, notes::add);
        assertEquals(List.of(Shape.of(1, 28, 28), Shape.of(1, 28, 28)), data.inputShapes());
        assertEquals(2, notes.size(), notes.toString());
        assertEquals("converting: input 'a' (" + sources.get("a") + "): pictures like 0.png [3, 48, 64] (channels,"
                + " height, width) converted to the model's input [1, 28, 28]", notes.get(0));
        FusionRun.Result result = FusionRun.train(data, settings, branches);
        Path file = dir.resolve("fused.c4j");
        FusionClassifier.save(result.model(), file, settings.mode(), sources, result.training());

        SavedModel saved = ModelFiles.read(file);
        MultiInputDataset test = FusionSources.testDataFor(saved, "fused.c4j", null);
        FusionClassifier fused = new FusionClassifier(saved);
        assertEquals(8, test.size());
        for (int i = 0; i < data.size(); i++) {
            Map<String, Tensor> pictures = new LinkedHashMap<>();
            for (String input : sources.keySet()) {
                pictures.put(input, Images.read(Path.of(DataSpec.sampleName(data.input(input), i, input))));
            }
            List<Tensor> prepared = fused.prepare(pictures);
            for (int input = 0; input < 2; input++) {
                float[] trainedOn = new float[28 * 28];
                float[] evaluated = new float[28 * 28];
                data.copyInput(input, i, trainedOn, 0, null);
                test.copyInput(input, i, evaluated, 0, null);
                assertArrayEquals(trainedOn, evaluated, "sample " + i + " input " + input);
                assertArrayEquals(trainedOn, prepared.get(input).data(), 1e-6f, "sample " + i + " input " + input);
            }
        }
        assertTrue(saved.description().contains("\"train_samples\":" + result.trainSamples()), saved.description());
    }

    /**
     * A built-in source (Fashion-MNIST's grey 28x28 pictures) with a colour branch of another size: converted to the
     * branch's input as folders are, the conversion said; evaluating on the recorded sources and preparing a picture
     * for prediction give the values training read. Before, only folders were converted: the run refused ("branch
     * base.c4j takes [[3, 40, 36]] but input 'pixels' is [1, 28, 28]"), and prediction fed a fashion-mnist:CLASSES
     * input pixels of 0..255 where it was trained on 0..1.
     */
    @Test
    void aBuiltInSourceIsConvertedToAColourBranchOfAnotherSizeForTrainingEvaluationAndPrediction(@TempDir Path dir)
            throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)),
                "Fashion-MNIST not installed at " + FashionMnist.DEBIAN_DIR);
        Path base = dir.resolve("base.c4j");
        ModelFiles.save(FusionNets.smallCnn(Shape.of(3, 40, 36), 2).initialize(5), base);
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("pixels", "fashion-mnist:5-6");
        sources.put("edges", "fashion-mnist:5-6:sobel");
        FusionRun.Settings settings = new FusionRun.Settings("intermediate", Join.CONCAT,
                FusionRun.BranchWeights.TRAINED, DecisionFusion.Mode.MEAN, 0.15, 1, 4, 0.002, 0.25, 42);
        FusionBranches branches = new FusionBranches("pixels=" + base, "flatten");
        Map<String, Shape> fixed = branches.inputShapes(settings, sources.keySet());
        assertEquals(Map.of("pixels", Shape.of(3, 40, 36)), fixed);

        List<String> notes = new ArrayList<>();
        MultiInputDataset data = FusionSources.of(sources).load(FusionSources.Part.TRAIN, 4, null, fixed,
                PairedFolders.OnMissing.FAIL, notes::add);
        assertEquals(List.of(Shape.of(3, 40, 36), Shape.of(2, 28, 28)), data.inputShapes());
        assertEquals(List.of("converting: input 'pixels' (fashion-mnist:5-6): pictures [1, 28, 28] converted to the"
                + " model's input [3, 40, 36]"), notes);
        FusionRun.Result result = FusionRun.train(data, settings, branches);
        Path file = dir.resolve("fused.c4j");
        FusionClassifier.save(result.model(), file, settings.mode(), sources, result.training());

        SavedModel saved = ModelFiles.read(file);
        MultiInputDataset test = FusionSources.forModel(saved, "fused.c4j").loadFor((Graph) saved.model(),
                "fused.c4j", 4, null, PairedFolders.OnMissing.FAIL, note -> { });
        assertEquals(data.inputShapes(), test.inputShapes());
        // the training pictures as picture files give them (0..255), in the order load read them
        Dataset grey = DataSpec.limited(DataSpec.of("fashion-mnist:5-6")
                .trainAndTest(Preprocessing.forInput(Shape.of(1, 28, 28)), 42).train(), 4, 42);
        FusionClassifier fused = new FusionClassifier(saved);
        assertEquals(8, data.size());
        for (int i = 0; i < data.size(); i++) {
            float[] pixels = grey.sample(i).data().clone();
            for (int j = 0; j < pixels.length; j++) {
                pixels[j] = Math.round(pixels[j] * 255f);
            }
            Tensor picture = Tensor.wrap(pixels, 1, 28, 28);
            List<Tensor> prepared = fused.prepare(Map.of("pixels", picture, "edges", picture));
            for (int input = 0; input < 2; input++) {
                float[] trainedOn = new float[data.inputShapes().get(input).size()];
                data.copyInput(input, i, trainedOn, 0, null);
                assertArrayEquals(trainedOn, prepared.get(input).data(), 1e-5f, "sample " + i + " input " + input);
            }
        }
    }

    /**
     * Early fusion whose one network is a colour model file of another size: every input is read at its size and the
     * channels stacked (grey pixels 1 + Sobel edges 2 = its 3), said in one line. Before, the run refused
     * ("branch base.c4j takes [[3, 40, 36]] but input 'null' is [3, 28, 28]").
     */
    @Test
    void earlyFusionReadsEveryInputAtTheSizeOfItsPretrainedNetwork(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(FashionMnist.DEBIAN_DIR)),
                "Fashion-MNIST not installed at " + FashionMnist.DEBIAN_DIR);
        Path base = dir.resolve("base.c4j");
        ModelFiles.save(FusionNets.smallCnn(Shape.of(3, 40, 36), 2).initialize(5), base);
        FusionSources sources = FusionSources.parse("pixels=fashion-mnist:5-6,edges=fashion-mnist:5-6:sobel");
        FusionRun.Settings early = new FusionRun.Settings("early", Join.CONCAT, FusionRun.BranchWeights.TRAINED,
                DecisionFusion.Mode.MEAN, 0.15, 1, 4, 0.002, 0.25, 42);
        FusionBranches network = new FusionBranches(base.toString(), null);
        List<String> notes = new ArrayList<>();
        int[] at = network.resizeFor(early, new int[] {28, 28}, notes::add);
        assertArrayEquals(new int[] {40, 36}, at);
        assertEquals(List.of("converting: early fusion's network " + base + " takes [3, 40, 36] (the inputs' channels"
                + " stacked): every input is read at 40x36, not --resize's 28x28"), notes);
        MultiInputDataset data = sources.load(FusionSources.Part.TRAIN, 4, at,
                network.inputShapes(early, sources.sources().keySet()), PairedFolders.OnMissing.FAIL, notes::add);
        assertEquals(List.of(Shape.of(1, 40, 36), Shape.of(2, 40, 36)), data.inputShapes());
        FusionRun.Result result = FusionRun.train(data, early, network);
        assertEquals(List.of(Shape.of(1, 40, 36), Shape.of(2, 40, 36)), result.model().inputShapes());
        assertEquals(8, result.trainSamples() + result.validationSamples());
        // evaluated on its recorded sources without --resize: read at the size it was trained at
        Path file = dir.resolve("early.c4j");
        FusionClassifier.save(result.model(), file, early.mode(), sources.sources(), result.training());
        assertEquals(data.inputShapes(), FusionSources.testDataFor(ModelFiles.read(file), "early.c4j", 4)
                .inputShapes());
        // two grey inputs stack to 2 channels, not the network's 3: one line naming both
        MultiInputDataset twoGrey = FusionSources.parse("a=fashion-mnist:5-6,b=fashion-mnist:5-6").load(
                FusionSources.Part.TRAIN, 4, at, Map.of(), PairedFolders.OnMissing.FAIL, notes::add);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FusionRun.train(twoGrey, early, network));
        assertEquals("early fusion's network " + base + " takes [[3, 40, 36]] but the inputs' channels stacked give"
                + " [2, 40, 36] (the inputs' channels must add up to the network's)", e.getMessage());
        // without a model file the inputs keep the size asked for
        assertArrayEquals(new int[] {28, 28}, new FusionBranches(null, null).resizeFor(early, new int[] {28, 28},
                notes::add));
        assertEquals(1, notes.size(), notes.toString());
    }
}
