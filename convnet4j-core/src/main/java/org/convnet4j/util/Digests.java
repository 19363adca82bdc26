package org.convnet4j.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one home of message digests (SHA-256 above all) and their lower-case hex form: checkpoints' data and
 * description sums, group seals, feature-cache keys, download checks and cache folder names all go through it, so
 * that every sum the project writes or compares is spelled the same way ({@code sha256sum}'s lower-case hex).
 */
public final class Digests {
    /** The algorithm of {@link #sha256()}. */
    public static final String SHA_256 = "SHA-256";

    private Digests() {
    }

    /** A new SHA-256 digest (every Java runtime has one). */
    public static MessageDigest sha256() {
        return of(SHA_256);
    }

    /**
     * A new digest of {@code algorithm} ("SHA-256", "MD5", ...); a runtime without it is an
     * IllegalStateException naming the algorithm.
     */
    public static MessageDigest of(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime has no " + algorithm + " digest", e);
        }
    }

    /** Lower-case hex of {@code bytes}, two digits a byte. */
    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** Lower-case hex of what {@code digest} has taken so far (the digest is reset). */
    public static String hex(MessageDigest digest) {
        return hex(digest.digest());
    }

    /** Hex SHA-256 of {@code bytes}. */
    public static String sha256Hex(byte[] bytes) {
        return hex(sha256().digest(bytes));
    }

    /** Hex SHA-256 of {@code text}'s UTF-8 bytes. */
    public static String sha256Hex(String text) {
        return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Hex SHA-256 of a file's bytes, read in 64 KiB pieces. */
    public static String sha256Hex(Path file) throws IOException {
        return fileHex(file, SHA_256);
    }

    /** Hex digest of {@code algorithm} of a file's bytes. */
    public static String fileHex(Path file, String algorithm) throws IOException {
        return fileHex(file, List.of(algorithm)).get(algorithm);
    }

    /**
     * A file's digests for each of {@code algorithms}, the file read once: algorithm to lower-case hex, in the
     * order given (a 500 MB download checked against its MD5 and recorded with its SHA-256 is read once).
     */
    public static Map<String, String> fileHex(Path file, Collection<String> algorithms) throws IOException {
        Map<String, MessageDigest> ds = new LinkedHashMap<>();
        for (String a : algorithms) {
            ds.put(a, of(a));
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                for (MessageDigest d : ds.values()) {
                    d.update(buf, 0, n);
                }
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        ds.forEach((a, d) -> out.put(a, hex(d)));
        return out;
    }
}
