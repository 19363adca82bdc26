package org.convnet4j.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Arrays;
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
 */
public record Preprocessing(int channels, int height, int width, float scale, float[] mean, float[] std) {
    public static final String KEY = "preprocessing";
    /** Pixel values 0..255 to 0..1. */
    public static final float UNIT_SCALE = 1f / 255f;

    public Preprocessing {
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
        mean = mean == null ? new float[0] : mean.clone();
        std = std == null ? new float[0] : std.clone();
        if (mean.length > 0) {
            new Transform.Normalize(mean, std); // validates lengths and positive stds
        } else if (std.length > 0) {
            throw new IllegalArgumentException("Preprocessing: std " + Arrays.toString(std) + " given without a mean");
        }
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
        Transform t = channelStep.andThen(new Transform.Resize(height, width)).andThen(new Transform.Scale(scale));
        return mean.length > 0 ? t.andThen(new Transform.Normalize(mean, std)) : t;
    }

    /** One picture [C, H, W] with values 0..255 (as {@link Images#read} gives) to a model input. */
    public Tensor apply(Tensor picture) {
        picture.requireRank("Preprocessing", 3);
        if (picture.dim(0) != 1 && picture.dim(0) != 3) {
            throw new IllegalArgumentException("Preprocessing: a picture has 1 or 3 channels, got " + picture.shape());
        }
        return transform().apply(picture, null);
    }

    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("channels", channels);
        o.addProperty("height", height);
        o.addProperty("width", width);
        o.addProperty("scale", scale);
        if (mean.length > 0) {
            o.add("mean", floats(mean));
            o.add("std", floats(std));
        }
        return o;
    }

    /** Reads {@link #toJson}'s form; {@code what} names the source (the file) in error messages. */
    public static Preprocessing fromJson(JsonObject o, String what) {
        try {
            return new Preprocessing(o.get("channels").getAsInt(), o.get("height").getAsInt(), o.get("width").getAsInt(),
                    o.has("scale") ? o.get("scale").getAsFloat() : UNIT_SCALE,
                    o.has("mean") ? floats(o.get("mean")) : null, o.has("std") ? floats(o.get("std")) : null);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(what + ": preprocessing " + o + " is incomplete or malformed ("
                    + e.getMessage() + ")", e);
        }
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
