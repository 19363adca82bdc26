package org.convnet4j.io.weights;

import java.util.Locale;
import org.convnet4j.imagenet.ImageNet;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;

/**
 * The {@code --preprocessing} values, for a model input [C, H, W]:
 * <ul>
 *   <li>{@code torchvision}: shorter side to 256/224 of the input, centre crop, x / 255, ImageNet mean/std;</li>
 *   <li>{@code keras-caffe}: stretch to the input, RGB to BGR, subtract the ImageNet BGR mean (Keras VGG, ResNet50);</li>
 *   <li>{@code keras-tf}: stretch to the input, x / 127.5 - 1 (Keras InceptionV3);</li>
 *   <li>{@code unit}: stretch to the input, x / 255 (what a model of unknown origin gets);</li>
 *   <li>{@code none}: stretch to the input, pixel values 0..255 unchanged;</li>
 *   <li>{@code mean=R,G,B,std=R,G,B[,resize=S,crop=C]}: x / 255, then (x - mean) / std per channel; with
 *       {@code resize} the shorter side becomes S and a centre crop of the input size (or C) is taken, otherwise the
 *       picture is stretched to the input size.</li>
 * </ul>
 */
public final class PreprocessingSpec {
    private PreprocessingSpec() {
    }

    /** Parses {@code spec} for a model taking {@code input}; throws IllegalArgumentException naming the problem. */
    public static Preprocessing parse(String spec, Shape input) {
        if (input == null || input.rank() != 3 || (input.dim(0) != 1 && input.dim(0) != 3)) {
            throw new IllegalArgumentException("--preprocessing: the model input " + input + " is not a picture [C, H, W]"
                    + " with 1 or 3 channels");
        }
        int c = input.dim(0);
        int h = input.dim(1);
        int w = input.dim(2);
        String s = spec.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "torchvision", "torch" -> {
                return rgb(c, s, ImageNet.Mode.TORCH.forSize(h, w));
            }
            case "keras-caffe", "caffe" -> {
                return rgb(c, s, ImageNet.Mode.CAFFE.forSize(h, w));
            }
            case "keras-tf", "tf" -> {
                return rgb(c, s, ImageNet.Mode.TF.forSize(h, w));
            }
            case "unit" -> {
                return new Preprocessing(c, h, w, Preprocessing.UNIT_SCALE, null, null);
            }
            case "none" -> {
                return new Preprocessing(c, h, w, 1f, null, null);
            }
            default -> {
                return custom(s, c, h, w);
            }
        }
    }

    private static Preprocessing rgb(int c, String name, Preprocessing p) {
        if (c != 3) {
            throw new IllegalArgumentException("--preprocessing " + name + " is for RGB models; this one takes " + c
                    + " channel(s)");
        }
        return p;
    }

    private static Preprocessing custom(String s, int c, int h, int w) {
        float[] mean = null;
        float[] std = null;
        int resize = 0;
        int crop = 0;
        String key = null;
        java.util.List<Float> values = new java.util.ArrayList<>();
        String[] parts = s.split(",");
        for (int i = 0; i <= parts.length; i++) {
            String p = i < parts.length ? parts[i].trim() : null;
            if (p == null || p.contains("=")) {
                if (key != null) {
                    switch (key) {
                        case "mean" -> mean = toArray(values);
                        case "std" -> std = toArray(values);
                        case "resize" -> resize = single(key, values);
                        case "crop" -> crop = single(key, values);
                        default -> throw new IllegalArgumentException("--preprocessing: unknown key '" + key
                                + "'; use torchvision, keras-caffe, keras-tf, unit, none or mean=R,G,B,std=R,G,B"
                                + "[,resize=S,crop=C]");
                    }
                }
                if (p == null) {
                    break;
                }
                key = p.substring(0, p.indexOf('=')).trim();
                values.clear();
                p = p.substring(p.indexOf('=') + 1);
            }
            if (key == null) {
                throw new IllegalArgumentException("--preprocessing '" + s + "': use torchvision, keras-caffe, keras-tf,"
                        + " unit, none or mean=R,G,B,std=R,G,B[,resize=S,crop=C]");
            }
            try {
                values.add(Float.parseFloat(p.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--preprocessing: '" + p + "' (in " + key + ") is not a number");
            }
        }
        if (mean == null || std == null || mean.length != c || std.length != c) {
            throw new IllegalArgumentException("--preprocessing '" + s + "': give mean and std with " + c
                    + " value(s) each (the model takes " + c + " channel(s))");
        }
        if (crop > 0 && resize == 0) {
            throw new IllegalArgumentException("--preprocessing: crop=" + crop + " needs resize=S");
        }
        if (crop > 0 && (crop != h || crop != w)) {
            throw new IllegalArgumentException("--preprocessing: crop=" + crop + " differs from the model input " + h
                    + "x" + w);
        }
        return new Preprocessing(c, h, w, Preprocessing.UNIT_SCALE, mean, std, false, resize);
    }

    private static float[] toArray(java.util.List<Float> v) {
        float[] a = new float[v.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = v.get(i);
        }
        return a;
    }

    private static int single(String key, java.util.List<Float> v) {
        if (v.size() != 1 || v.get(0) < 1 || v.get(0) != Math.rint(v.get(0)) || v.get(0) > 100_000) {
            throw new IllegalArgumentException("--preprocessing: " + key + " takes one whole number of pixels");
        }
        return Math.round(v.get(0));
    }

    /** A short description for messages: the named mode it equals, or its values. */
    public static String describe(Preprocessing p, Shape input) {
        for (String name : new String[] {"torchvision", "keras-caffe", "keras-tf", "unit", "none"}) {
            try {
                if (parse(name, input).equals(p)) {
                    return name;
                }
            } catch (IllegalArgumentException e) {
                // not applicable to this input
            }
        }
        return p.toJson().toString();
    }
}
