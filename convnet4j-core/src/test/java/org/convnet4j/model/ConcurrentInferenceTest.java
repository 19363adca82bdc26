package org.convnet4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ImageClassifier as an application uses it: shared by many threads, fed pictures from anywhere. */
class ConcurrentInferenceTest {
    @TempDir
    Path dir;

    private static ImageClassifier lenet() {
        Model model = LeNet5.build().initialize(7);
        return new ImageClassifier(model, Preprocessing.forInput(Shape.of(1, 28, 28)));
    }

    private static List<Tensor> pictures(int n, int h, int w, long seed) {
        Random r = new Random(seed);
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] d = new float[h * w];
            for (int j = 0; j < d.length; j++) {
                d[j] = r.nextInt(256);
            }
            out.add(Tensor.wrap(d, 1, h, w));
        }
        return out;
    }

    @Test
    void manyThreadsGiveTheSequentialAnswersBitForBit() throws Exception {
        ImageClassifier classifier = lenet();
        // pictures of another size too, so every thread also resizes
        List<Tensor> pics = new ArrayList<>(pictures(24, 28, 28, 1));
        pics.addAll(pictures(8, 40, 33, 2));
        List<double[]> sequential = new ArrayList<>();
        for (Tensor p : pics) {
            sequential.add(classifier.classify(p).probabilities());
        }
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<double[]>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int shift = t;
                futures.add(pool.submit(() -> {
                    List<double[]> mine = new ArrayList<>();
                    for (int round = 0; round < 3; round++) {
                        for (int i = 0; i < pics.size(); i++) {
                            // each thread walks the pictures from a different start, some in batches of 3
                            int j = (i + shift * 5) % pics.size();
                            if (round == 1 && j + 3 <= pics.size()) {
                                List<Classifications> b = classifier.classifyAll(pics.subList(j, j + 3));
                                mine.add(b.get(0).probabilities());
                            } else {
                                mine.add(classifier.classify(pics.get(j)).probabilities());
                            }
                        }
                    }
                    return mine;
                }));
            }
            for (int t = 0; t < threads; t++) {
                List<double[]> mine = futures.get(t).get();
                for (int k = 0; k < mine.size(); k++) {
                    int j = (k % pics.size() + t * 5) % pics.size();
                    assertArrayEquals(sequential.get(j), mine.get(k), "thread " + t + ", picture " + j);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void pathBytesStreamAndBufferedImageAgree() throws Exception {
        ImageClassifier classifier = lenet();
        BufferedImage image = new BufferedImage(30, 26, BufferedImage.TYPE_BYTE_GRAY);
        Random r = new Random(3);
        for (int y = 0; y < 26; y++) {
            for (int x = 0; x < 30; x++) {
                int v = r.nextInt(256);
                image.getRaster().setSample(x, y, 0, v);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, "png", png));
        byte[] bytes = png.toByteArray();
        Path file = dir.resolve("p.png");
        Files.write(file, bytes);

        double[] fromPath = classifier.classify(file).probabilities();
        assertArrayEquals(fromPath, classifier.classify(bytes).probabilities());
        assertArrayEquals(fromPath, classifier.classify(new ByteArrayInputStream(bytes)).probabilities());
        assertArrayEquals(fromPath, classifier.classify(image).probabilities());
        Classifications c = classifier.classify(bytes);
        assertEquals(c.ranked().get(0), c.best());
        assertEquals(3, c.topK(3).size());
        assertTrue(c.topK(3).get(0).probability() >= c.topK(3).get(1).probability());
        double sum = 0;
        for (double p : c.probabilities()) {
            sum += p;
        }
        assertEquals(1.0, sum, 1e-9);
        assertEquals(c.best().probability(), c.probability(c.best().className()));
    }

    @Test
    void badBytesAreOneClearError() {
        ImageClassifier classifier = lenet();
        Exception e = assertThrows(java.io.IOException.class, () -> classifier.classify(new byte[] {1, 2, 3, 4}));
        assertTrue(e.getMessage().startsWith("picture: not a supported image"), e.getMessage());
    }

    @Test
    void classCountMismatchIsAnErrorWhenTheClassifierIsMade() {
        Model model = LeNet5.build().initialize(1);
        model.setClassNames(List.of("a", "b", "c"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageClassifier(model, Preprocessing.forInput(Shape.of(1, 28, 28))));
        assertTrue(e.getMessage().contains("names 3 classes but outputs 10"), e.getMessage());
    }

    @Test
    void customTranslatorHooksBothEnds() throws Exception {
        ImageClassifier classifier = lenet();
        List<Tensor> pics = pictures(5, 28, 28, 9);
        // pre-hook: the application hands in inverted pictures; post-hook: it wants a yes/no for class 0
        Translator<Tensor, Boolean> isClassZero = new Translator<>() {
            @Override
            public Tensor processInput(Tensor inverted) {
                float[] d = inverted.data().clone();
                for (int i = 0; i < d.length; i++) {
                    d[i] = 255 - d[i];
                }
                return classifier.prepare(Tensor.wrap(d, inverted.shape()));
            }

            @Override
            public Boolean processOutput(Tensor input, float[] scores, int offset) {
                return classifier.classificationsOf(scores, offset).best().label() == 0;
            }
        };
        Predictor<Tensor, Boolean> predictor = classifier.predictor(isClassZero);
        for (Tensor p : pics) {
            float[] inv = p.data().clone();
            for (int i = 0; i < inv.length; i++) {
                inv[i] = 255 - inv[i];
            }
            boolean expected = classifier.classify(p).best().label() == 0;
            assertEquals(expected, predictor.predict(Tensor.wrap(inv, p.shape())));
        }
    }

    @Test
    void initializeNeverOverwritesLoadedWeights() {
        Sequential model = new Sequential(Shape.of(1, 4, 4), new Flatten(), new Dense(3).named("head"));
        model.initialize(1);
        Tensor loaded = Tensor.wrap(new float[3 * 16], 3, 16);
        loaded.fill(0.25f);
        model.namedParameters().get("head.kernel").load(loaded);
        float[] biasBefore = model.namedParameters().get("head.bias").value().data().clone();
        model.initialize(2);
        assertArrayEquals(loaded.data(), model.namedParameters().get("head.kernel").value().data());
        // the bias was never loaded: it is drawn again (zeros by default, so compare with a fresh model's)
        Sequential fresh = new Sequential(Shape.of(1, 4, 4), new Flatten(), new Dense(3).named("head"));
        fresh.initialize(2);
        assertArrayEquals(fresh.namedParameters().get("head.bias").value().data(),
                model.namedParameters().get("head.bias").value().data());
        assertEquals(biasBefore.length, 3);
        model.reinitialize(2);
        assertArrayEquals(fresh.namedParameters().get("head.kernel").value().data(),
                model.namedParameters().get("head.kernel").value().data());
    }

    /** A classifier whose convolutions take the GEMM path (so inference keeps their weights packed). */
    private static ImageClassifier gemmNet(long seed) {
        Model model = new Sequential(Shape.of(1, 28, 28))
                .add(new org.convnet4j.nn.layers.Conv2d(40, 3).padding(1))
                .add(new org.convnet4j.nn.layers.ReLU())
                .add(new org.convnet4j.nn.layers.Conv2d(48, 3).stride(2))
                .add(new Flatten()).add(new Dense(10));
        model.initialize(seed);
        return new ImageClassifier(model, Preprocessing.forInput(Shape.of(1, 28, 28)));
    }

    private static List<double[]> classifyOnThreads(ImageClassifier c, List<Tensor> pics, int threads)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<double[]>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    List<double[]> mine = new ArrayList<>();
                    for (Tensor p : pics) {
                        mine.add(c.classify(p).probabilities());
                    }
                    return mine;
                }));
            }
            List<double[]> first = futures.get(0).get();
            for (int t = 1; t < threads; t++) {
                List<double[]> mine = futures.get(t).get();
                for (int i = 0; i < pics.size(); i++) {
                    assertArrayEquals(first.get(i), mine.get(i), "thread " + t + ", picture " + i);
                }
            }
            return first;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sharedClassifierSeesLoadedWeightsNotItsPackedOnes() throws Exception {
        ImageClassifier shared = gemmNet(11);
        ImageClassifier other = gemmNet(12);
        List<Tensor> pics = pictures(6, 28, 28, 4);
        List<double[]> before = classifyOnThreads(shared, pics, 4); // every thread packs or reuses the weights
        List<double[]> others = new ArrayList<>();
        for (Tensor p : pics) {
            others.add(other.classify(p).probabilities());
        }
        // a load between two rounds (as a server swapping weights would, with no request running)
        shared.model().namedParameters().forEach((name, p) ->
                p.load(other.model().namedParameters().get(name).value()));
        List<double[]> after = classifyOnThreads(shared, pics, 4);
        for (int i = 0; i < pics.size(); i++) {
            assertArrayEquals(others.get(i), after.get(i), "picture " + i + " after the load");
            assertTrue(!java.util.Arrays.equals(before.get(i), after.get(i)), "picture " + i + " changed");
        }
    }
}
