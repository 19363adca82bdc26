package org.convnet4j.io.weights;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.util.Digests;

/**
 * Checksums published for official weight files, checked when a local file carries an official name, so that a
 * truncated or corrupted copy is refused instead of giving a subtly broken model. The values are the weights
 * catalogue's ({@link WeightsCatalogue#builtIn()}): Keras' MD5 sums ({@code file_hash=...} in its applications
 * source) and the SHA-256 prefixes torchvision puts into its file names ({@code resnet18-f37072fd.pth}).
 * Downloaded files are verified before they enter the cache ({@link Downloads}) and not again.
 */
public final class PublishedChecksums {
    /** Keras applications weight files and their published MD5 sums. */
    public static final Map<String, String> KERAS_MD5 = kerasMd5();

    private PublishedChecksums() {
    }

    private static Map<String, String> kerasMd5() {
        Map<String, String> m = new LinkedHashMap<>();
        for (WeightsCatalogue.Entry e : WeightsCatalogue.builtIn().entries()) {
            if (e.md5() != null) {
                m.put(e.file(), e.md5());
            }
        }
        return Map.copyOf(m);
    }

    /**
     * If {@code file} has the name of a catalogued official file, fails unless its checksum is the published one.
     * Files with other names pass unchecked (returns false); true if a checksum was verified.
     */
    public static boolean verify(Path file) throws IOException {
        return verify(file, WeightsCatalogue.builtIn());
    }

    /**
     * As {@link #verify(Path)} against {@code catalogue} (the built-in one with the user's entries: a local copy of a
     * file that an entry of {@code CONVNET4J_WEIGHTS_CATALOGUE} names is checked against that entry's checksum too).
     */
    public static boolean verify(Path file, WeightsCatalogue catalogue) throws IOException {
        WeightsCatalogue.Entry e = catalogue.byFile(file.getFileName().toString());
        if (e == null) {
            return false;
        }
        Checksum expected = e.checksum();
        String actual = Digests.fileHex(file, expected.algorithm());
        if (!expected.matches(actual)) {
            throw new FileFormatException(file + ": " + expected.algorithm() + " " + actual + " differs from the "
                    + (e.equals(WeightsCatalogue.builtIn().byFile(e.file())) ? "published " : "catalogued ") + expected
                    + " for " + e.name() + "; the copy is incomplete or damaged (download it again, or let"
                    + " convnet4j fetch it: --model " + e.name() + "; see docs/WEIGHTS.md)");
        }
        return true;
    }

    static String md5(Path file) throws IOException {
        return Digests.fileHex(file, "MD5");
    }
}
