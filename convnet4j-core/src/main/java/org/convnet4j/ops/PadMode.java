package org.convnet4j.ops;

/**
 * How the cells outside an image are filled when it is padded.
 *
 * <ul>
 *   <li>{@link #ZERO}: zeros (the lecture's "zero padding", the common default).</li>
 *   <li>{@link #REPLICATE}: the nearest edge value (the lecture's "same value padding").</li>
 *   <li>{@link #REFLECT}: mirror image without repeating the edge, e.g. row {@code a b c} padded by 2 on the
 *       left becomes {@code c b a b c} (NumPy 'reflect', PyTorch ReflectionPad2d). Needs pad &lt; size.</li>
 * </ul>
 */
public enum PadMode {
    ZERO, REPLICATE, REFLECT;

    /** Parses "zero", "replicate" (or "same-value", "edge") and "reflect", case-insensitively. */
    public static PadMode parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        switch (t) {
            case "zero":
            case "zeros":
            case "constant":
                return ZERO;
            case "replicate":
            case "edge":
            case "same-value":
                return REPLICATE;
            case "reflect":
                return REFLECT;
            default:
                throw new IllegalArgumentException("pad mode '" + text + "' is unknown; use zero, replicate or reflect");
        }
    }
}
