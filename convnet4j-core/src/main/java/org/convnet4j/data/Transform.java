package org.convnet4j.data;

import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One step of per-sample preprocessing on a [C, H, W] image. {@code random} drives augmentation; when it is
 * {@code null} (evaluation), random steps behave deterministically: {@link RandomCrop} takes the centre,
 * {@link RandomHorizontalFlip} does nothing. A transform returns a new tensor or, if it changes nothing, may
 * return its input; it never modifies its input.
 */
@FunctionalInterface
public interface Transform {
    Tensor apply(Tensor chw, Random random);

    /** This transform, then {@code next}. */
    default Transform andThen(Transform next) {
        return new Compose(List.of(this, next));
    }

    static Transform compose(Transform... steps) {
        return new Compose(List.of(steps));
    }

    /** Applies the steps in order. */
    record Compose(List<Transform> steps) implements Transform {
        public Compose {
            steps = List.copyOf(steps);
        }

        @Override
        public Tensor apply(Tensor chw, Random random) {
            Tensor t = chw;
            for (Transform s : steps) {
                t = s.apply(t, random);
            }
            return t;
        }
    }

    /** Bilinear resize to exactly height x width (see {@link Images#resize}). */
    record Resize(int height, int width) implements Transform {
        public Resize {
            requireSize("Resize", height, width);
        }

        @Override
        public Tensor apply(Tensor chw, Random random) {
            return Images.resize(chw, height, width);
        }
    }

    /** The central height x width window; the image must be at least that large. */
    record CenterCrop(int height, int width) implements Transform {
        public CenterCrop {
            requireSize("CenterCrop", height, width);
        }

        @Override
        public Tensor apply(Tensor chw, Random random) {
            checkFits("CenterCrop", chw, height, width);
            return crop(chw, (chw.dim(1) - height) / 2, (chw.dim(2) - width) / 2, height, width);
        }
    }

    /**
     * A random height x width window of the image padded with {@code padding} zeros on every side (the usual
     * CIFAR/MNIST augmentation). Without a random source, the central window.
     */
    record RandomCrop(int height, int width, int padding) implements Transform {
        public RandomCrop {
            requireSize("RandomCrop", height, width);
            if (padding < 0) {
                throw new IllegalArgumentException("RandomCrop: padding " + padding + " must be >= 0");
            }
        }

        @Override
        public Tensor apply(Tensor chw, Random random) {
            Tensor padded = pad(chw, padding);
            checkFits("RandomCrop", padded, height, width);
            int rangeY = padded.dim(1) - height;
            int rangeX = padded.dim(2) - width;
            int y = random == null ? rangeY / 2 : random.nextInt(rangeY + 1);
            int x = random == null ? rangeX / 2 : random.nextInt(rangeX + 1);
            return crop(padded, y, x, height, width);
        }
    }

    /** Mirrors the image left-right with probability p (never without a random source). */
    record RandomHorizontalFlip(double p) implements Transform {
        public RandomHorizontalFlip {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("RandomHorizontalFlip: probability " + p + " must be in [0, 1]");
            }
        }

        @Override
        public Tensor apply(Tensor chw, Random random) {
            // Draw even when p is 0 or 1, so that the random sequence does not depend on p.
            if (random == null || !(random.nextDouble() < p)) {
                return chw;
            }
            chw.requireRank("RandomHorizontalFlip", 3);
            int c = chw.dim(0);
            int h = chw.dim(1);
            int w = chw.dim(2);
            float[] s = chw.data();
            float[] d = new float[s.length];
            for (int row = 0; row < c * h; row++) {
                int base = row * w;
                for (int x = 0; x < w; x++) {
                    d[base + x] = s[base + w - 1 - x];
                }
            }
            return Tensor.wrap(d, chw.shape());
        }
    }

    /** (x - mean[c]) / std[c] per channel; arrays of length 1 apply to every channel. */
    record Normalize(float[] mean, float[] std) implements Transform {
        public Normalize {
            if (mean.length == 0 || mean.length != std.length) {
                throw new IllegalArgumentException("Normalize: mean " + Arrays.toString(mean) + " and std "
                        + Arrays.toString(std) + " must have the same, non-zero length");
            }
            for (float s : std) {
                if (!(s > 0)) {
                    throw new IllegalArgumentException("Normalize: std " + Arrays.toString(std) + " must be positive");
                }
            }
            mean = mean.clone();
            std = std.clone();
        }

        @Override
        public Tensor apply(Tensor chw, Random random) {
            chw.requireRank("Normalize", 3);
            int c = chw.dim(0);
            if (mean.length != 1 && mean.length != c) {
                throw new IllegalArgumentException("Normalize: " + mean.length + " means/stds for an image with " + c
                        + " channels " + chw.shape());
            }
            int plane = chw.dim(1) * chw.dim(2);
            float[] s = chw.data();
            float[] d = new float[s.length];
            for (int ch = 0; ch < c; ch++) {
                float m = mean[mean.length == 1 ? 0 : ch];
                float inv = 1f / std[std.length == 1 ? 0 : ch];
                for (int i = ch * plane; i < (ch + 1) * plane; i++) {
                    d[i] = (s[i] - m) * inv;
                }
            }
            return Tensor.wrap(d, chw.shape());
        }
    }

    /** RGB to one luma channel (see {@link Images#toGrey}); grey images pass unchanged. */
    record ToGrey() implements Transform {
        @Override
        public Tensor apply(Tensor chw, Random random) {
            return chw.dim(0) == 1 ? chw : Images.toGrey(chw);
        }
    }

    /** Grey to three equal channels (see {@link Images#toRgb}); RGB images pass unchanged. */
    record ToRgb() implements Transform {
        @Override
        public Tensor apply(Tensor chw, Random random) {
            return chw.dim(0) == 3 ? chw : Images.toRgb(chw);
        }
    }

    /** Multiplies every value by {@code factor}, e.g. 1/255 to map pixels to [0, 1]. */
    record Scale(float factor) implements Transform {
        @Override
        public Tensor apply(Tensor chw, Random random) {
            float[] s = chw.data();
            float[] d = new float[s.length];
            for (int i = 0; i < s.length; i++) {
                d[i] = s[i] * factor;
            }
            return Tensor.wrap(d, chw.shape());
        }
    }

    // ---- helpers shared by the steps ------------------------------------------------------------

    private static void requireSize(String op, int h, int w) {
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException(op + ": size " + h + "x" + w + " must be at least 1x1");
        }
    }

    private static void checkFits(String op, Tensor chw, int h, int w) {
        chw.requireRank(op, 3);
        if (chw.dim(1) < h || chw.dim(2) < w) {
            throw new IllegalArgumentException(op + " " + h + "x" + w + ": image is only " + chw.dim(1) + "x" + chw.dim(2)
                    + " (put a Resize first)");
        }
    }

    /**
     * The {@code h} x {@code w} window of a [C, H, W] picture whose top-left corner is row {@code y0}, column
     * {@code x0} (the window must lie inside the picture), as a new tensor.
     */
    static Tensor crop(Tensor chw, int y0, int x0, int h, int w) {
        int c = chw.dim(0);
        int inH = chw.dim(1);
        int inW = chw.dim(2);
        float[] s = chw.data();
        float[] d = new float[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(s, (ch * inH + y0 + y) * inW + x0, d, (ch * h + y) * w, w);
            }
        }
        return Tensor.wrap(d, c, h, w);
    }

    private static Tensor pad(Tensor chw, int p) {
        chw.requireRank("pad", 3);
        if (p == 0) {
            return chw;
        }
        int c = chw.dim(0);
        int h = chw.dim(1);
        int w = chw.dim(2);
        int ph = h + 2 * p;
        int pw = w + 2 * p;
        float[] s = chw.data();
        float[] d = new float[c * ph * pw];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(s, (ch * h + y) * w, d, (ch * ph + y + p) * pw + p, w);
            }
        }
        return Tensor.wrap(d, c, ph, pw);
    }
}
