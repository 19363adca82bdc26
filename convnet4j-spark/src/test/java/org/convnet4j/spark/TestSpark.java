package org.convnet4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.image.Images;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;

/** One local[2] session for all tests of this module (Spark takes seconds to start), and test pictures. */
public final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    public static synchronized SparkSession session() {
        if (session == null || session.sparkContext().isStopped()) { // a CLI test's command stops the session
            session = SparkSession.builder().master("local[2]").appName("convnet4j-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .getOrCreate();
            session.sparkContext().setLogLevel("ERROR");
            SparkSession started = session;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
        }
        return session;
    }

    /**
     * Stops the tests' session if one runs (a test that needs the next application to start from a fresh context),
     * without starting one to stop it.
     */
    public static synchronized void stopIfRunning() {
        for (scala.Option<SparkSession> running : List.of(SparkSession.getActiveSession(),
                SparkSession.getDefaultSession(), scala.Option.apply(session))) {
            if (running.isDefined() && !running.get().sparkContext().isStopped()) {
                running.get().stop();
            }
        }
    }

    /** LeNet-5 with seeded random weights and two classes, saved as a model file. */
    public static Path lenetFile(Path dir, List<String> classes) throws IOException {
        Sequential m = LeNet5.build(Shape.of(1, 28, 28), classes.size(), LeNet5.Variant.MODERN);
        m.initialize(7);
        m.setClassNames(classes);
        Path f = dir.resolve("lenet.c4j");
        ModelFiles.save(m, f);
        return f;
    }

    /**
     * A grey 28x28 picture of stripes, horizontal or vertical, with random phase, period and noise: two classes a
     * linear model on convolutional features separates easily, but not by brightness alone.
     */
    public static Tensor stripes(boolean horizontal, Random r) {
        int period = 3 + r.nextInt(4);
        int phase = r.nextInt(period);
        float[] d = new float[28 * 28];
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int t = (horizontal ? y : x) + phase;
                float v = (t % period) < period / 2 ? 220 : 30;
                d[y * 28 + x] = Math.max(0, Math.min(255, v + (float) r.nextGaussian() * 20));
            }
        }
        return Tensor.wrap(d, 1, 28, 28);
    }

    /** {@code dir/horizontal/*.png} and {@code dir/vertical/*.png}, n of each. */
    public static Path stripeFolder(Path dir, int n, long seed) throws IOException {
        Random r = new Random(seed);
        for (String cls : List.of("horizontal", "vertical")) {
            Files.createDirectories(dir.resolve(cls));
            for (int i = 0; i < n; i++) {
                Images.write(stripes(cls.equals("horizontal"), r), dir.resolve(cls).resolve(cls + "-" + i + ".png"));
            }
        }
        return dir;
    }
}
