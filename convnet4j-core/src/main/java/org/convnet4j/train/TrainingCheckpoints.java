package org.convnet4j.train;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.internal.json.Json;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * The training state inside a checkpoint's description, under {@value #KEY}: epochs completed, optimiser
 * steps, seed, history and the run's settings. With the parameters and the optimiser state in the same file
 * this is everything {@link Trainer#resume} needs: data order comes from (seed, epoch), schedules from
 * (epoch, step), and there is no other source of randomness in the training loop.
 */
public final class TrainingCheckpoints {
    public static final String KEY = "training";
    static final String RNG_STATE = "data order from seed + epoch";

    private TrainingCheckpoints() {
    }

    /**
     * A checkpoint of the model and optimiser now; {@code base} (JSON text of an object, may be null) adds
     * architecture etc.
     */
    public static Checkpoint capture(TrainingContext ctx, String base) {
        JsonObject description = base == null ? new JsonObject() : Json.parseObject(base, "checkpoint description");
        Model model = ctx.model();
        if (!description.has("class_names")) {
            description.add("class_names", Json.toTree(model.classNames()));
        }
        if (!description.has("input_shape") && model.inputShapes().size() == 1) {
            description.add("input_shape", Json.toTree(model.inputShapes().get(0).dims()));
        }
        description.add(KEY, state(ctx));
        return new Checkpoint(model.stateDict(), ctx.config().optimizer().state(), Json.toCompact(description));
    }

    /**
     * The {@value #KEY} object, in the key layout of {@code ModelDescription.TrainingState}: {@code epoch}
     * (epochs completed), {@code step}, {@code seed}, {@code rng_state}, {@code optimizer} (its configuration),
     * {@code metrics} (the history), plus {@code run} with the settings a resume must keep (batch size).
     */
    static JsonObject state(TrainingContext ctx) {
        TrainConfig c = ctx.config();
        JsonObject t = new JsonObject();
        t.addProperty("epoch", ctx.history().size());
        t.addProperty("step", ctx.step());
        t.addProperty("seed", c.seed());
        // no generator state to save: the data order of epoch e is drawn afresh from seed + e
        t.addProperty("rng_state", RNG_STATE);
        t.add("optimizer", Json.toTree(c.optimizer().config()));
        JsonObject metrics = new JsonObject();
        metrics.add("history", ctx.history().tree());
        t.add("metrics", metrics);
        JsonObject run = new JsonObject();
        run.addProperty("epochs", c.epochs());
        run.addProperty("batch_size", c.batchSize());
        run.addProperty("schedule", c.schedule().toString());
        run.addProperty("loss", c.loss().name());
        run.addProperty("clipping", c.clipping().toString());
        t.add("run", run);
        return t;
    }

    /** The saved state read back: what a resumed run continues from; batch size 0 if not recorded. */
    public record State(int epochsCompleted, long step, long seed, int batchSize, History history) {
    }

    public static State read(Checkpoint checkpoint) {
        JsonElement e = Json.parseObject(checkpoint.description(), "checkpoint description").get(KEY);
        if (e == null || !e.isJsonObject()) {
            throw new IllegalArgumentException("checkpoint has no '" + KEY + "' state (it was not saved during training,"
                    + " so it can be loaded for inference or fine-tuning but not resumed)");
        }
        JsonObject t = e.getAsJsonObject();
        try {
            JsonObject run = t.has("run") ? t.getAsJsonObject("run") : new JsonObject();
            JsonObject metrics = t.has("metrics") ? t.getAsJsonObject("metrics") : new JsonObject();
            History history = metrics.has("history") ? History.fromTree(metrics.getAsJsonArray("history")) : new History();
            int epoch = t.get("epoch").getAsInt();
            if (history.size() != epoch) {
                throw new IllegalArgumentException("history has " + history.size() + " epochs, 'epoch' says " + epoch);
            }
            return new State(epoch, t.get("step").getAsLong(), t.get("seed").getAsLong(),
                    run.has("batch_size") ? run.get("batch_size").getAsInt() : 0, history);
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException("checkpoint's '" + KEY + "' state is incomplete or malformed ("
                    + ex.getMessage() + "): " + t, ex);
        }
    }

    /** Copies the checkpoint's parameters into the model after checking that names and shapes match. */
    public static void loadParameters(Checkpoint checkpoint, Model model) {
        Map<String, Shape> expected = new LinkedHashMap<>();
        model.namedParameters().forEach((k, p) -> expected.put(k, p.shape()));
        checkpoint.verifyAgainst(model.name() == null ? "model" : model.name(), expected);
        model.namedParameters().forEach((k, p) -> p.load(checkpoint.parameters().get(k)));
    }

    /**
     * The first tensor of {@code tensors} holding a NaN or an infinity, as "name (N of M values not finite)";
     * null when every value is finite. A checkpoint is only "good" when this is null: a loss can stay finite
     * for a step after the weights have overflowed, so checking the loss alone is not enough.
     */
    public static String firstNonFinite(Map<String, Tensor> tensors) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String broken = nonFinite(e.getKey(), e.getValue().data(), e.getValue().size());
            if (broken != null) {
                return broken;
            }
        }
        return null;
    }

    /** "name (N of M values not finite)" when the first {@code n} of {@code values} hold a NaN or an infinity, else null. */
    private static String nonFinite(String name, float[] values, int n) {
        return counted(name, values, n, false);
    }

    /** As {@link #nonFinite} counting NaN only ("name (N of M values NaN)"); {@code nanOnly} false counts infinities too. */
    private static String counted(String name, float[] values, int n, boolean nanOnly) {
        int bad = 0;
        for (int i = 0; i < n; i++) {
            if (nanOnly ? Float.isNaN(values[i]) : !Float.isFinite(values[i])) {
                bad++;
            }
        }
        return bad == 0 ? null : name + " (" + bad + " of " + n + " values " + (nanOnly ? "NaN" : "not finite") + ")";
    }

    /**
     * Fails, naming {@code origin} and the first broken tensor, when a checkpoint's weights hold a NaN or an
     * infinity: a diverged run's weights or a damaged file whose checksums were made to match. Such a model still
     * gives plausible numbers (a ReLU turns NaN into 0: LeNet said 50%/50% with exit 0), so loading it for
     * prediction or resuming from it is refused, as saving it is ({@link #firstNonFinite}).
     */
    public static void requireFinite(Checkpoint checkpoint, String origin) {
        requireFinite(checkpoint.parameters(), origin);
    }

    /**
     * As {@link #requireFinite(Checkpoint, String)} for weights read from any file: a model imported from ONNX, Keras
     * or PyTorch is refused alike, {@code tensors} naming its weights as the file does where the reader knows it.
     */
    public static void requireFinite(Map<String, Tensor> tensors, String origin) {
        String broken = firstNonFinite(tensors);
        if (broken != null) {
            throw notFinite(origin, broken);
        }
    }

    /** As {@link #requireFinite(Map, String)} for one tensor's values as a reader holds them (no shape needed). */
    public static void requireFinite(float[] values, String name, String origin) {
        String broken = nonFinite(name, values, values.length);
        if (broken != null) {
            throw notFinite(origin, broken);
        }
    }

    /**
     * Fails, in the form of {@link #requireFinite(Map, String)}, when {@code values} (a constant a model file stores:
     * an ONNX initializer or a Constant node's value, whatever it feeds) hold a NaN. NaN is never meant in a weight or
     * in a constant that arithmetic reads: it spreads through every operation after it, silently. Infinities are
     * left to the caller, because a constant may mean one (a Clip bound of -Inf is "no lower bound"); a layer's
     * weight may not ({@link #requireFinite(Map, String)}).
     */
    public static void requireNoNaN(float[] values, String name, String origin) {
        String broken = counted(name, values, values.length, true);
        if (broken != null) {
            throw new IllegalArgumentException(origin + ": NaN stored in " + broken
                    + "; NaN is never meant in a weight or a constant (infinities are allowed in constants that are"
                    + " not a layer's weights: a Clip bound, a Pad value)");
        }
    }

    private static IllegalArgumentException notFinite(String origin, String broken) {
        return new IllegalArgumentException(origin + ": its weights are not finite: " + broken
                + "; a model with NaN or infinite weights computes nothing meaningful (a diverged run's or a"
                + " damaged file)");
    }

    /** A copy of every parameter and buffer value, for restoring later (early stopping). */
    static Map<String, Tensor> snapshot(Model model) {
        Map<String, Tensor> copy = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> copy.put(k, v.copy()));
        return copy;
    }

    static void restore(Model model, Map<String, Tensor> snapshot) {
        model.namedParameters().forEach((k, p) -> p.load(snapshot.get(k)));
    }
}
