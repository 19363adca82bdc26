package org.convnet4j.ops;

/** The aggregate a pooling window computes: maximum, mean, or Lp norm {@code (sum |x|^p)^(1/p)}. */
public enum PoolType {
    MAX, AVG, LP;

    /** Parses "max", "avg" (or "mean") and "lp", case-insensitively; anything else is one line naming the three. */
    public static PoolType parse(String text) {
        switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "max":
                return MAX;
            case "avg":
            case "mean":
                return AVG;
            case "lp":
                return LP;
            default:
                throw new IllegalArgumentException("pool type '" + text + "' is unknown; use max, avg or lp");
        }
    }
}
