package org.convnet4j.data;

import org.convnet4j.util.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.SoftReference;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds and loads Fashion-MNIST (Zalando; 60000 training and 10000 test images of 28x28 grey clothing, 10 classes).
 *
 * <p>{@link #locate()} looks, in this order, in
 * <ol>
 *   <li>the directory named by the system property {@value #DIR_PROPERTY} or else the environment variable
 *       {@value #DIR_ENV} (if set, it must hold the files: no fallback, so a typo is not silently ignored);</li>
 *   <li>{@value #DEBIAN_DIR}, where the Debian package {@code dataset-fashion-mnist} installs them;</li>
 *   <li>the cache {@code ~/.cache/convnet4j/fashion-mnist};</li>
 *   <li>and finally tries to download them into the cache from {@link #DOWNLOAD_BASE}.</li>
 * </ol>
 * Each file may be gzipped ({@code name.gz}) or raw ({@code name}).
 */
public final class FashionMnist {
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final String DIR_PROPERTY = "convnet4j.data.fashionMnist";
    public static final String DIR_ENV = "FASHION_MNIST_DIR";
    /** System property; {@code false} disables the download (the build sets it for every test). */
    public static final String DOWNLOAD_PROPERTY = "convnet4j.data.download";
    public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
    public static final URI DOWNLOAD_BASE = URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");
    /** The four files, without the .gz suffix. */
    public static final List<String> FILE_NAMES = List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration DOWNLOAD_TIMEOUT = Duration.ofSeconds(120);

    private FashionMnist() {
    }

    /**
     * Where the four files were found; {@code source} says how (e.g. "Debian package"). {@link #train()} and
     * {@link #test()} decode a file pair once per JVM while memory allows: an {@link ArrayDataset} cannot be changed
     * once made, so a program that asks again (an experiment's rounds, commands run one after another in one JVM, a
     * test suite) gets the same one back instead of unpacking 26 MB of gzip again (0.4 s of CPU, and 55 MB more to
     * collect). The sets are held by soft references (the collector drops them before the heap runs out) and keyed by
     * the files' paths, sizes and modification times (a file replaced is read again).
     */
    public record Files(Path trainImages, Path trainLabels, Path testImages, Path testLabels, String source) {
        /** The 60000 training images as [1, 28, 28] samples in [0, 1]. */
        public ArrayDataset train() throws IOException {
            return decoded(trainImages, trainLabels);
        }

        /** The 10000 test images as [1, 28, 28] samples in [0, 1]. */
        public ArrayDataset test() throws IOException {
            return decoded(testImages, testLabels);
        }
    }

    private static final Map<List<Object>, SoftReference<ArrayDataset>> DECODED = new ConcurrentHashMap<>();

    private static ArrayDataset decoded(Path images, Path labels) throws IOException {
        List<Object> key = List.of(fileKey(images), fileKey(labels));
        SoftReference<ArrayDataset> kept = DECODED.get(key);
        ArrayDataset set = kept == null ? null : kept.get();
        if (set == null) {
            set = Mnist.load(images, labels, CLASS_NAMES);
            DECODED.put(key, new SoftReference<>(set));
        }
        return set;
    }

    /** A file as the cache knows it: its absolute path, size and modification time (unreadable: the path alone). */
    private static List<Object> fileKey(Path file) {
        Path path = file.toAbsolutePath().normalize();
        try {
            BasicFileAttributes a = java.nio.file.Files.readAttributes(path, BasicFileAttributes.class);
            return List.of(path.toString(), a.size(), a.lastModifiedTime());
        } catch (IOException e) {
            return List.of(path.toString()); // Mnist.load reports the problem
        }
    }

    /** Where to look; {@link #defaults()} is what {@link #locate()} uses. Tests pass their own. */
    public record Places(Path userDir, String userDirOrigin, Path debianDir, Path cacheDir, URI downloadBase) {
        public static Places defaults() {
            String prop = System.getProperty(DIR_PROPERTY);
            String env = System.getenv(DIR_ENV);
            Path user = null;
            String origin = null;
            if (prop != null && !prop.isBlank()) {
                user = Path.of(prop);
                origin = "-D" + DIR_PROPERTY;
            } else if (env != null && !env.isBlank()) {
                user = Path.of(env);
                origin = DIR_ENV;
            }
            Path cache = Path.of(System.getProperty("user.home"), ".cache", "convnet4j", "fashion-mnist");
            // -Dconvnet4j.data.download=false: never touch the network (the build's tests run this way)
            boolean download = !"false".equalsIgnoreCase(System.getProperty(DOWNLOAD_PROPERTY, "true").trim());
            return new Places(user, origin, Path.of(DEBIAN_DIR), cache, download ? DOWNLOAD_BASE : null);
        }
    }

    public static Files locate() throws IOException {
        return locate(Places.defaults());
    }

    /** Convenience: {@code locate().train()}. */
    public static ArrayDataset train() throws IOException {
        return locate().train();
    }

    /** Convenience: {@code locate().test()}. */
    public static ArrayDataset test() throws IOException {
        return locate().test();
    }

    public static Files locate(Places places) throws IOException {
        if (places.userDir() != null) {
            Files f = find(places.userDir(), places.userDirOrigin());
            if (f == null) {
                throw new IOException(places.userDirOrigin() + " points to " + places.userDir() + ", which does not hold "
                        + missing(places.userDir()) + " (each may be gzipped, name.gz)");
            }
            return f;
        }
        List<String> looked = new ArrayList<>();
        Files f = find(places.debianDir(), "Debian package dataset-fashion-mnist");
        if (f != null) {
            return f;
        }
        looked.add(places.debianDir().toString());
        f = find(places.cacheDir(), "cache");
        if (f != null) {
            return f;
        }
        looked.add(places.cacheDir().toString());
        String downloadFailure;
        if (places.downloadBase() == null) {
            downloadFailure = "download disabled";
        } else {
            try {
                download(places.downloadBase(), places.cacheDir());
                f = find(places.cacheDir(), "download from " + places.downloadBase());
                if (f != null) {
                    return f;
                }
                downloadFailure = "download finished but files are missing: " + missing(places.cacheDir());
            } catch (IOException e) {
                downloadFailure = "download from " + places.downloadBase() + " failed: " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Fashion-MNIST download interrupted", e);
            }
        }
        throw new IOException("Fashion-MNIST not found (looked in " + String.join(", ", looked) + "; " + downloadFailure
                + "). To fix: install the Debian package: sudo apt-get install dataset-fashion-mnist, or put the four files "
                + String.join(", ", gzNames()) + " in " + places.cacheDir() + " (or in a directory named by -D"
                + DIR_PROPERTY + "=DIR or the environment variable " + DIR_ENV + ")");
    }

    private static List<String> gzNames() {
        List<String> l = new ArrayList<>();
        for (String n : FILE_NAMES) {
            l.add(n + ".gz");
        }
        return l;
    }

    private static Path file(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        if (java.nio.file.Files.isRegularFile(gz)) {
            return gz;
        }
        Path raw = dir.resolve(name);
        return java.nio.file.Files.isRegularFile(raw) ? raw : null;
    }

    private static Files find(Path dir, String source) {
        if (!java.nio.file.Files.isDirectory(dir)) {
            return null;
        }
        Path[] p = new Path[4];
        for (int i = 0; i < 4; i++) {
            p[i] = file(dir, FILE_NAMES.get(i));
            if (p[i] == null) {
                return null;
            }
        }
        return new Files(p[0], p[1], p[2], p[3], source + " (" + dir + ")");
    }

    private static String missing(Path dir) {
        List<String> m = new ArrayList<>();
        for (String n : FILE_NAMES) {
            if (!java.nio.file.Files.isDirectory(dir) || file(dir, n) == null) {
                m.add(n + ".gz");
            }
        }
        return String.join(", ", m);
    }

    /** Downloads the missing files into {@code cacheDir}, each atomically (a broken download leaves nothing behind). */
    private static void download(URI base, Path cacheDir) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        java.nio.file.Files.createDirectories(cacheDir);
        for (String n : FILE_NAMES) {
            if (file(cacheDir, n) != null) {
                continue;
            }
            URI uri = base.resolve(n + ".gz");
            System.getLogger("org.convnet4j.data").log(System.Logger.Level.INFO, "downloading {0} into {1}", uri,
                    cacheDir);
            HttpRequest req = HttpRequest.newBuilder(uri).timeout(DOWNLOAD_TIMEOUT).GET().build();
            HttpResponse<InputStream> resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = resp.body()) {
                if (resp.statusCode() != 200) {
                    throw new IOException(uri + ": HTTP status " + resp.statusCode());
                }
                AtomicFiles.write(cacheDir.resolve(n + ".gz"), body::transferTo);
            }
        }
    }
}
