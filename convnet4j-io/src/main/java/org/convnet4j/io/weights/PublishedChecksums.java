package org.convnet4j.io.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.convnet4j.checkpoint.FileFormatException;

/**
 * Checksums published for official weight files, checked when a file carries an official name, so that a
 * truncated or corrupted download is refused instead of giving a subtly broken model.
 *
 * <p>Keras publishes MD5 sums in its applications source ({@code file_hash=...} next to each download URL).
 * torchvision puts the first hex digits of the SHA-256 into its file names ({@code resnet18-f37072fd.pth});
 * those name the .pth, which we do not read: {@code tools/pth_to_safetensors.py} checks it when converting.
 */
public final class PublishedChecksums {
    /** Keras applications weight files and their published MD5 sums. */
    public static final Map<String, String> KERAS_MD5 = Map.of(
            "vgg16_weights_tf_dim_ordering_tf_kernels.h5", "64373286793e3c8b2b4e3219cbf3544b",
            "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", "6d6bbae143d832006294945121d1f1fc",
            "vgg19_weights_tf_dim_ordering_tf_kernels.h5", "cbe5617147190e668d6c5d5026f83318",
            "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", "253f8cb515780f3b799900260a226db6",
            "resnet50_weights_tf_dim_ordering_tf_kernels.h5", "2cb95161c43110f7111970584f804107",
            "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", "4d473c1dd8becc155b73f8504c6f6626",
            "inception_v3_weights_tf_dim_ordering_tf_kernels.h5", "9a0d58056eeedaa3f26cb7ebd46da564",
            "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5", "bcbd6486424b2319ff4ef7d526e38f63");

    private PublishedChecksums() {
    }

    /**
     * If {@code file} has the name of a published Keras file, fails unless its MD5 is the published one. Files
     * with other names pass unchecked (returns false); true if a checksum was verified.
     */
    public static boolean verify(Path file) throws IOException {
        String expected = KERAS_MD5.get(file.getFileName().toString());
        if (expected == null) {
            return false;
        }
        String actual = md5(file);
        if (!actual.equals(expected)) {
            throw new FileFormatException(file + ": MD5 " + actual + " differs from the published " + expected
                    + " for this Keras weight file; the download is incomplete or damaged (download it again; see"
                    + " docs/WEIGHTS.md)");
        }
        return true;
    }

    static String md5(Path file) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks MD5", e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
