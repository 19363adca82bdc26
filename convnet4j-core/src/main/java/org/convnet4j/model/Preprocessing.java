package org.convnet4j.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Arrays;
import org.convnet4j.internal.json.Json;
import org.convnet4j.data.Transform;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * How a picture (values 0..255, any size, grey or RGB) becomes the model's input [C, H, W]: convert to
 * {@code channels} (RGB to luma, or grey replicated), resize to {@code height} x {@code width} (bilinear,
 * aspect ratio not kept, as Keras' {@code image_dataset_from_directory} does), multiply by {@code scale}, then
 * subtract {@code mean} and divide by {@code std} per channel when they are given (empty arrays = none).
 *
 * <p>Saved with the model (key {@value #KEY} of the description), so that prediction feeds new pictures
 * exactly as the training data was fed. Fashion-MNIST's samples are the pixels times 1/255, which is
 * {@link #forInput}'s default.
 *
 * <p>Two options serve pretrained ImageNet models: {@code bgr} reverses the channel order after scaling (Keras'
 * "caffe" mode models were trained on BGR pictures; {@code mean} is then in BGR order), and {@code resizeShorter}
 * &gt; 0 resizes keeping the aspect ratio so that the shorter side is that long, then takes the central
 * {@code height} x {@code width} window (torchvision's Resize(256) + CenterCrop(224), whose offset rounds half to
 * even as torchvision's {@code center_crop} does).
 *
 * <p>{@code resampling} says how pictures are resized: {@link Resampling#BILINEAR} samples the two nearest pixels
 * per axis ({@link Images#resize}; what stretching to the input always did), {@link Resampling#ANTIALIASED} is PIL's
 * bilinear filter, which averages every source pixel under an output pixel when shrinking
 * ({@link Images#resizeAntialiased}; what torchvision's {@code Resize} does to PIL pictures). The constructors
 * without it choose ANTIALIASED with {@code resizeShorter} (torchvision's steps) and BILINEAR otherwise; so does a
 * saved preprocessing without {@code "resample"}.
 */
public record Preprocessing(int channels, int height, int width, float scale, float[] mean, float[] std,
                            boolean bgr, int resizeShorter, Resampling resampling) {
    public static final String KEY = "preprocessing";
    /** Pixel values 0..255 to 0..1. */
    public static final float UNIT_SCALE = 1f / 255f;

    /** How pictures are resized to the model input. */
    public enum Resampling {
        /** Bilinear from the two nearest source pixels per axis, no antialiasing ({@link Images#resize}). */
        BILINEAR("bilinear"),
        /** PIL's antialiased bilinear filter, as torchvision's Resize on PIL pictures ({@link Images#resizeAntialiased}). */
        ANTIALIASED("antialiased");

        private final String key;

        Resampling(String key) {
            this.key = key;
        }

        /** The name in saved descriptions ("bilinear", "antialiased"). */
        public String key() {
            return key;
        }

        /** Reads {@link #key}; throws IllegalArgumentException naming the accepted values. */
        public static Resampling parse(String s) {
            for (Resampling r : values()) {
                if (r.key.equals(s)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("resample must be bilinear or antialiased, not '" + s + "'");
        }

        /** Tensor [C, H, W] resized to h x w this way. */
        public Tensor resize(Tensor chw, int h, int w) {
            return this == ANTIALIASED ? Images.resizeAntialiased(chw, h, w) : Images.resize(chw, h, w);
        }
    }

    public Preprocessing {
        if (resampling == null) {
            throw new IllegalArgumentException("Preprocessing: resampling must be given (bilinear or antialiased)");
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("Preprocessing: pictures become 1 (grey) or 3 (RGB) channels, not "
                    + channels);
        }
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("Preprocessing: size " + height + "x" + width + " must be at least 1x1");
        }
        if (!(scale > 0) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("Preprocessing: scale must be a positive number, got " + scale);
        }
        if (bgr && channels != 3) {
            throw new IllegalArgumentException("Preprocessing: BGR order needs 3 channels, not " + channels);
        }
        if (resizeShorter != 0 && resizeShorter < Math.max(height, width)) {
            throw new IllegalArgumentException("Preprocessing: the shorter side (" + resizeShorter
                    + ") must be at least the crop size " + height + "x" + width);
        }
        mean = mean == null ? new float[0] : mean.clone();
        std = std == null ? new float[0] : std.clone();
        if (mean.length > 0) {
            new Transform.Normalize(mean, std); // validates lengths and positive stds
        } else if (std.length > 0) {
            throw new IllegalArgumentException("Preprocessing: std " + Arrays.toString(std) + " given without a mean");
        }
    }

    /** With the resampling its resize implies: ANTIALIASED with {@code resizeShorter} (torchvision's), else BILINEAR. */
    public Preprocessing(int channels, int height, int width, float scale, float[] mean, float[] std,
                         boolean bgr, int resizeShorter) {
        this(channels, height, width, scale, mean, std, bgr, resizeShorter, defaultResampling(resizeShorter));
    }

    /** ANTIALIASED for torchvision's shorter-side resize ({@code resizeShorter > 0}), BILINEAR for a stretch. */
    public static Resampling defaultResampling(int resizeShorter) {
        return resizeShorter > 0 ? Resampling.ANTIALIASED : Resampling.BILINEAR;
    }

    /** This preprocessing resizing pictures the given way instead. */
    public Preprocessing withResampling(Resampling r) {
        return new Preprocessing(channels, height, width, scale, mean, std, bgr, resizeShorter, r);
    }

    /** Stretch to height x width, RGB order. */
    public Preprocessing(int channels, int height, int width, float scale, float[] mean, float[] std) {
        this(channels, height, width, scale, mean, std, false, 0);
    }

    /** Pictures to the given per-sample input shape [C, H, W], values scaled to 0..1, no normalisation. */
    public static Preprocessing forInput(Shape input) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException("Preprocessing.forInput: a picture model takes [C, H, W], not " + input);
        }
        return new Preprocessing(input.dim(0), input.dim(1), input.dim(2), UNIT_SCALE, null, null);
    }

    /** The per-sample shape this produces. */
    public Shape outputShape() {
        return Shape.of(channels, height, width);
    }

    /** The steps after decoding (channel conversion, resize, scale, normalisation) as a dataset transform. */
    public Transform transform() {
        Transform channelStep = channels == 1 ? new Transform.ToGrey() : new Transform.ToRgb();
        Transform resize = resizeShorter > 0
                ? (chw, r) -> centreCrop(shorterSide(chw, resizeShorter, resampling), height, width)
                : (chw, r) -> resampling.resize(chw, height, width);
        Transform t = channelStep.andThen(resize).andThen(new Transform.Scale(scale));
        if (bgr) {
            t = t.andThen((chw, r) -> reverseChannels(chw));
        }
        return mean.length > 0 ? t.andThen(new Transform.Normalize(mean, std)) : t;
    }

    private static Tensor shorterSide(Tensor chw, int side, Resampling resampling) {
        int h = chw.dim(1);
        int w = chw.dim(2);
        // torchvision truncates the longer side: int(side * long / short)
        int nh = h <= w ? side : (int) ((long) side * h / w);
        int nw = h <= w ? (int) ((long) side * w / h) : side;
        return resampling.resize(chw, nh, nw);
    }

    /**
     * torchvision's center_crop: the offset is round((size - crop) / 2) with Python's round half to even (a
     * 189-pixel side cropped to 110 starts at 40, not 39).
     */
    private static Tensor centreCrop(Tensor chw, int h, int w) {
        if (chw.dim(1) < h || chw.dim(2) < w) {
            return new Transform.CenterCrop(h, w).apply(chw, null); // its message names the sizes
        }
        int top = (int) Math.rint((chw.dim(1) - h) / 2.0);
        int left = (int) Math.rint((chw.dim(2) - w) / 2.0);
        return Transform.crop(chw, top, left, h, w);
    }

    private static Tensor reverseChannels(Tensor chw) {
        int c = chw.dim(0);
        int plane = chw.dim(1) * chw.dim(2);
        Tensor out = Tensor.zeros(chw.shape());
        for (int i = 0; i < c; i++) {
            System.arraycopy(chw.data(), i * plane, out.data(), (c - 1 - i) * plane, plane);
        }
        return out;
    }

    /** One picture [C, H, W] with values 0..255 (as {@link Images#read} gives) to a model input. */
    public Tensor apply(Tensor picture) {
        picture.requireRank("Preprocessing", 3);
        if (picture.dim(0) != 1 && picture.dim(0) != 3) {
            throw new IllegalArgumentException("Preprocessing: a picture has 1 or 3 channels, got " + picture.shape());
        }
        return transform().apply(picture, null);
    }

    /** This preprocessing as compact JSON text, the form saved in model files ({@link #fromJson} reads it). */
    public String toJson() {
        return Json.toCompact(tree());
    }

    JsonObject tree() {
        JsonObject o = new JsonObject();
        o.addProperty("channels", channels);
        o.addProperty("height", height);
        o.addProperty("width", width);
        o.addProperty("scale", scale);
        if (mean.length > 0) {
            o.add("mean", floats(mean));
            o.add("std", floats(std));
        }
        if (bgr) {
            o.addProperty("channel_order", "bgr");
        }
        if (resizeShorter > 0) {
            o.addProperty("resize_shorter", resizeShorter);
        }
        if (resampling != defaultResampling(resizeShorter)) {
            o.addProperty("resample", resampling.key());
        }
        return o;
    }

    /** Reads {@link #toJson}'s form; {@code what} names the source (the file) in error messages. */
    public static Preprocessing fromJson(String json, String what) {
        return fromTree(Json.parseObject(json, what + ": preprocessing"), what);
    }

    static Preprocessing fromTree(JsonObject o, String what) {
        try {
            return new Preprocessing(o.get("channels").getAsInt(), o.get("height").getAsInt(), o.get("width").getAsInt(),
                    o.has("scale") ? o.get("scale").getAsFloat() : UNIT_SCALE,
                    o.has("mean") ? floats(o.get("mean")) : null, o.has("std") ? floats(o.get("std")) : null,
                    o.has("channel_order") && channelOrderIsBgr(o.get("channel_order").getAsString()),
                    o.has("resize_shorter") ? o.get("resize_shorter").getAsInt() : 0,
                    o.has("resample") ? Resampling.parse(o.get("resample").getAsString())
                            : defaultResampling(o.has("resize_shorter") ? o.get("resize_shorter").getAsInt() : 0));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + ": preprocessing " + o + " is incomplete or malformed ("
                    + e.getMessage() + ")", e);
        }
    }

    private static boolean channelOrderIsBgr(String order) {
        if (!order.equals("bgr") && !order.equals("rgb")) {
            throw new IllegalArgumentException("channel_order must be rgb or bgr, not '" + order + "'");
        }
        return order.equals("bgr");
    }

    private static JsonArray floats(float[] v) {
        JsonArray a = new JsonArray();
        for (float f : v) {
            a.add(f);
        }
        return a;
    }

    private static float[] floats(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).getAsFloat();
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing && toJson().equals(((Preprocessing) o).toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return "Preprocessing" + toJson();
    }
}
