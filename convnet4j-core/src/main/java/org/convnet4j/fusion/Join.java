package org.convnet4j.fusion;

import java.util.Locale;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.Concat;
import org.convnet4j.nn.layers.WeightedSum;

/** How intermediate fusion joins the branches' features. */
public enum Join {
    /** Stack along channels (feature maps must share height and width; vectors any length). */
    CONCAT,
    /** Element-wise sum (equal shapes). */
    SUM,
    /** Learned weighted sum, one weight per branch ({@link WeightedSum}; equal shapes). */
    WEIGHTED;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public Layer layer() {
        return switch (this) {
            case CONCAT -> new Concat();
            case SUM -> new Add();
            case WEIGHTED -> new WeightedSum();
        };
    }

    public static Join parse(String s) {
        for (Join j : values()) {
            if (j.id().equals(s.toLowerCase(Locale.ROOT))) {
                return j;
            }
        }
        throw new IllegalArgumentException("intermediate fusion: unknown join '" + s + "'; known: concat, sum, weighted");
    }
}
