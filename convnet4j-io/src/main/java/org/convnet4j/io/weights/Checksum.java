package org.convnet4j.io.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An expected digest of a file: {@code algorithm} is "SHA-256" or "MD5", {@code hex} the whole digest or (SHA-256
 * only) its first digits, as torch.hub names files ({@code resnet18-f37072fd.pth}: the SHA-256 starts with
 * f37072fd). A prefix of 8 digits catches damaged and truncated downloads, not a determined forger; the catalogue's
 * entries are the published values, and a mirror cannot change them.
 */
public record Checksum(String algorithm, String hex, List<String> alternatives) {
    private static final Pattern TORCH_HUB = Pattern.compile("-([0-9a-f]{8,64})\\.[A-Za-z0-9]+$");

    /**
     * {@code alternatives}: other digests (same algorithm) published for a file of the same name, e.g. Keras' two
     * {@code resnet50_weights_tf_dim_ordering_tf_kernels.h5} (keras-applications' v0.2 release and the current one).
     */
    public Checksum {
        alternatives = alternatives == null ? List.of() : List.copyOf(alternatives);
    }

    public Checksum(String algorithm, String hex) {
        this(algorithm, hex, List.of());
    }

    /** torch.hub's convention: the hex digits after the last '-' of the name are the start of its SHA-256. */
    public static Checksum fromFileName(String name) {
        Matcher m = TORCH_HUB.matcher(name);
        return m.find() ? new Checksum("SHA-256", m.group(1)) : null;
    }

    /** The file's digest in hex. */
    public static String digest(Path file, String algorithm) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /**
     * The file's digests for each of {@code algorithms} (e.g. SHA-256 and MD5), read once: algorithm -> hex. A
     * Keras file is checked against its MD5 and recorded with its SHA-256 without reading 500 MB twice.
     */
    public static java.util.Map<String, String> digests(Path file, java.util.Collection<String> algorithms)
            throws IOException {
        java.util.Map<String, MessageDigest> ds = new java.util.LinkedHashMap<>();
        for (String a : algorithms) {
            try {
                ds.put(a, MessageDigest.getInstance(a));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK lacks " + a, e);
            }
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                for (MessageDigest d : ds.values()) {
                    d.update(buf, 0, n);
                }
            }
        }
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        ds.forEach((a, d) -> out.put(a, HexFormat.of().formatHex(d.digest())));
        return out;
    }

    /** True if {@code actualHex} (a whole digest) matches this expectation or one of its alternatives. */
    public boolean matches(String actualHex) {
        return actualHex.startsWith(hex) || alternatives.stream().anyMatch(actualHex::startsWith);
    }

    @Override
    public String toString() {
        return algorithm + (hex.length() < 32 && algorithm.equals("SHA-256") ? " starting " : " ") + hex
                + (alternatives.isEmpty() ? "" : " (or " + String.join(", ", alternatives) + ")");
    }
}
