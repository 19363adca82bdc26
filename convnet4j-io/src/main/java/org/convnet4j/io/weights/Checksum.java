package org.convnet4j.io.weights;

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
