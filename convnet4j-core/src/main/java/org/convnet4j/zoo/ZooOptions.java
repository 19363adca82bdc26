package org.convnet4j.zoo;

import java.util.Locale;
import org.convnet4j.tensor.Shape;

/**
 * How to build a zoo architecture, in the spirit of Keras' {@code applications} arguments.
 *
 * <ul>
 *   <li>{@code input}: per-sample shape [C, H, W]; null = the architecture's paper size (224x224x3 for most,
 *       227 for the paper AlexNet, 299 for Inception v3, 28x28x1 for LeNet-5).</li>
 *   <li>{@code classes}: outputs of the classifier; 0 = the default (1000, LeNet-5: 10).</li>
 *   <li>{@code includeTop}: keep the classifier; without it the model ends in feature maps
 *       ({@link Pool#NONE}) or a pooled feature vector ({@link Pool#AVG}, {@link Pool#MAX}).</li>
 *   <li>{@code width}: channel multiplier (every conv and hidden dense width is {@code max(1, round(c * width))}),
 *       for small data and CPU work; 1 = the paper.</li>
 *   <li>{@code smallInput}: CIFAR-style stem for ResNets (3x3 stride-1 conv1, no max pool), so 28x28 or 32x32
 *       inputs keep enough resolution.</li>
 *   <li>{@code dropout}: rate of the classifier's dropout layers; NaN = the paper's (0.5 for AlexNet/VGG, 0.2
 *       for GoogLeNet as in torchvision; ResNet and Inception v3 have none).</li>
 *   <li>{@code batchNorm}: VGG with batch norm after every conv (torchvision's vgg16_bn).</li>
 *   <li>{@code layout}: a named variant of the architecture, null = default ({@code alexnet}: torchvision|paper,
 *       {@code googlenet}: paper|torchvision, {@code resnet*}: torchvision|keras,
 *       {@code inception_v3}: keras|torchvision, {@code lenet5}: modern|classic|lecun1998|lecun1998-dense).</li>
 *   <li>{@code lrn}: AlexNet's local response normalisation after the first two conv blocks.</li>
 * </ul>
 */
public record ZooOptions(Shape input, int classes, boolean includeTop, Pool pooling, double width,
                         boolean smallInput, double dropout, boolean batchNorm, String layout, boolean lrn) {

    /** Feature pooling when the classifier is left off. */
    public enum Pool {
        NONE, AVG, MAX;

        public static Pool parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("pooling '" + s + "': use none, avg or max");
            }
        }
    }

    public ZooOptions {
        if (classes < 0) {
            throw new IllegalArgumentException("zoo options: classes must be >= 1 (or 0 for the default), got " + classes);
        }
        if (!(width > 0) || !Double.isFinite(width)) {
            throw new IllegalArgumentException("zoo options: width multiplier must be > 0, got " + width);
        }
        if (!Double.isNaN(dropout) && !(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("zoo options: dropout must be in [0, 1), got " + dropout);
        }
        if (input != null && input.rank() != 3) {
            throw new IllegalArgumentException("zoo options: input must be [C, H, W], got " + input);
        }
        if (pooling == null) {
            pooling = Pool.NONE;
        }
        layout = layout == null ? null : layout.trim().toLowerCase(Locale.ROOT);
    }

    /** Paper defaults: default input, default classes, with the classifier, width 1. */
    public static ZooOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.input = input;
        b.classes = classes;
        b.includeTop = includeTop;
        b.pooling = pooling;
        b.width = width;
        b.smallInput = smallInput;
        b.dropout = dropout;
        b.batchNorm = batchNorm;
        b.layout = layout;
        b.lrn = lrn;
        return b;
    }

    /** The input, or {@code fallback} when none was given. */
    public Shape inputOr(Shape fallback) {
        return input != null ? input : fallback;
    }

    public int classesOr(int fallback) {
        return classes > 0 ? classes : fallback;
    }

    public double dropoutOr(double fallback) {
        return Double.isNaN(dropout) ? fallback : dropout;
    }

    /** {@code c} channels scaled by the width multiplier, at least 1. */
    public int ch(int c) {
        return Math.max(1, (int) Math.floor(c * width + 0.5));
    }

    /** The layout name, {@code fallback} if none; fails listing {@code known} for an unknown one. */
    public String layoutOr(String model, String fallback, String... known) {
        String l = layout == null ? fallback : layout;
        for (String k : known) {
            if (k.equals(l)) {
                return l;
            }
        }
        throw new IllegalArgumentException(model + ": unknown layout '" + layout + "'; known: " + String.join(", ", known));
    }

    /** Fluent builder; every setting starts at the paper's default. */
    public static final class Builder {
        private Shape input;
        private int classes;
        private boolean includeTop = true;
        private Pool pooling = Pool.NONE;
        private double width = 1.0;
        private boolean smallInput;
        private double dropout = Double.NaN;
        private boolean batchNorm;
        private String layout;
        private boolean lrn;

        public Builder input(Shape s) {
            input = s;
            return this;
        }

        public Builder input(int c, int h, int w) {
            return input(Shape.of(c, h, w));
        }

        public Builder classes(int k) {
            classes = k;
            return this;
        }

        public Builder includeTop(boolean on) {
            includeTop = on;
            return this;
        }

        public Builder pooling(Pool p) {
            pooling = p;
            return this;
        }

        public Builder width(double w) {
            width = w;
            return this;
        }

        public Builder smallInput(boolean on) {
            smallInput = on;
            return this;
        }

        public Builder dropout(double rate) {
            dropout = rate;
            return this;
        }

        public Builder batchNorm(boolean on) {
            batchNorm = on;
            return this;
        }

        public Builder layout(String name) {
            layout = name;
            return this;
        }

        public Builder lrn(boolean on) {
            lrn = on;
            return this;
        }

        public ZooOptions build() {
            return new ZooOptions(input, classes, includeTop, pooling, width, smallInput, dropout, batchNorm, layout, lrn);
        }
    }
}
