package org.convnet4j.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** {@code train}'s validation split ({@link TrainingRun#split}): stratified by class, seeded, as fuse's. */
class TrainingRunSplitTest {
    /** Classes of 60, 25, 9, 3, 2 and 1 pictures; each picture's one value is its index. */
    private static ArrayDataset unbalanced() {
        int[] sizes = {60, 25, 9, 3, 2, 1};
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < sizes.length; c++) {
            for (int i = 0; i < sizes[c]; i++) {
                labels.add(c);
            }
        }
        // interleaved, so that the classes are not in blocks
        java.util.Collections.shuffle(labels, new java.util.Random(5));
        int n = labels.size();
        float[] data = new float[n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            data[i] = i;
            y[i] = labels.get(i);
        }
        return ArrayDataset.ofFloats(data, Shape.of(1, 1, 1), y, List.of("a", "b", "c", "d", "e", "f"));
    }

    private static TrainingSettings settings(double valSplit, long seed) {
        return TrainingSettings.builder().valSplit(valSplit).seed(seed).out(Path.of("m.c4j")).build();
    }

    private static int[] perClass(Dataset ds, int k) {
        int[] n = new int[k];
        for (int i = 0; i < ds.size(); i++) {
            n[ds.label(i)]++;
        }
        return n;
    }

    private static int[] ids(Dataset ds) {
        int[] id = new int[ds.size()];
        for (int i = 0; i < ds.size(); i++) {
            id[i] = (int) ds.sample(i).data()[0];
        }
        return id;
    }

    /** The largest distance of a class's validation count from its share of the validation total. */
    private static double worstShare(Dataset all, Dataset val) {
        int k = all.numClasses();
        int[] whole = perClass(all, k);
        int[] held = perClass(val, k);
        double worst = 0;
        for (int c = 0; c < k; c++) {
            worst = Math.max(worst, Math.abs(held[c] - whole[c] * (double) val.size() / all.size()));
        }
        return worst;
    }

    @Test
    void eachClassGetsItsShareOfTheValidationPicturesAndTheTinyClassKeepsItsTrainingPicture() {
        ArrayDataset all = unbalanced();
        int k = all.numClasses();
        double plainWorst = 0;
        for (double f : new double[] {0.1, 0.2, 0.5}) {
            for (long seed = 0; seed < 30; seed++) {
                TrainingRun.Split s = new TrainingRun(settings(f, seed), all).split();
                String at = "val-split " + f + ", seed " + seed;
                assertEquals(all.size(), s.train().size() + s.validation().size(), at);
                assertEquals(Math.round(all.size() * f), s.validation().size(), at);
                double worst = worstShare(all, s.validation());
                assertTrue(worst < 1, at + ": a class is " + worst + " pictures off its share");
                int[] kept = perClass(s.train(), k);
                for (int c = 0; c < k; c++) {
                    assertTrue(kept[c] >= 1, at + ": class " + c + " has no training picture left");
                }
                // disjoint and complete
                int[] both = new int[all.size()];
                System.arraycopy(ids(s.train()), 0, both, 0, s.train().size());
                System.arraycopy(ids(s.validation()), 0, both, s.train().size(), s.validation().size());
                Arrays.sort(both);
                for (int i = 0; i < both.length; i++) {
                    assertEquals(i, both[i], at);
                }
                // deterministic for a seed: a second run object draws the same pictures
                assertArrayEquals(ids(s.validation()), ids(new TrainingRun(settings(f, seed), all).split().validation()), at);
                Datasets.Split plain = Datasets.split(all, f, seed);
                plainWorst = Math.max(plainWorst, worstShare(all, plain.validation()));
            }
        }
        // the plain random split misses the bound on the same data, so the bound above says something
        assertTrue(plainWorst >= 1, "plain split's worst " + plainWorst);
        assertFalse(Arrays.equals(ids(new TrainingRun(settings(0.2, 1), all).split().validation()),
                ids(new TrainingRun(settings(0.2, 2), all).split().validation())), "another seed, another split");
    }

    @Test
    void onePicturePerClassCannotBeSplitAndSaysWhatToDo() {
        ArrayDataset ones = ArrayDataset.ofFloats(new float[] {0, 1}, Shape.of(1, 1, 1), new int[] {0, 1}, List.of("a", "b"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TrainingRun(settings(0.1, 1), ones).split());
        assertTrue(e.getMessage().startsWith("validation split 0.1: 2 pictures in 2 classes cannot give one")
                && e.getMessage().contains("--val-split 0"), e.getMessage());
        assertEquals(2, new TrainingRun(settings(0, 1), ones).split().train().size());
    }

    @Test
    void theSavedSettingsSayTheSplitIsByClassAndOlderRunsKeepTheirPlainSplit() {
        TrainingSettings s = settings(0.2, 3);
        String saved = s.savedInto("{}");
        assertTrue(saved.contains("\"val_split_by\":\"class\""), saved);
        assertTrue(TrainingSettings.splitByClass(new Checkpoint(Map.of(), Map.of(), saved)));
        // a run saved before the split was stratified: its settings have no val_split_by
        String older = saved.replace(",\"val_split_by\":\"class\"", "");
        assertFalse(older.contains("val_split_by"), older);
        assertFalse(TrainingSettings.splitByClass(new Checkpoint(Map.of(), Map.of(), older)));
        // a checkpoint that no TrainingRun wrote gets today's split
        assertTrue(TrainingSettings.splitByClass(new Checkpoint(Map.of(), Map.of(), "{}")));
    }
}
