package org.convnet4j.run;

import org.convnet4j.internal.json.Json;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.MemoryBudget;
import org.convnet4j.zoo.ModelZoo;

/**
 * Everything that defines a {@link TrainingRun}: architecture, data label, optimiser, schedule, split, files.
 * Saved in every checkpoint of the run, so that a resumed run continues with the same settings
 * ({@link #savedIn}); {@link #toBuilder()} overrides some of them (more epochs, for instance).
 *
 * @param model     zoo architecture name ({@link ModelZoo#names()})
 * @param data      what the training pictures are called (saved for resuming; the run takes the data set itself)
 * @param input     model input [C, H, W], or null for the architecture's default
 * @param epochs    epochs in total (a resumed run continues up to this)
 * @param batch     batch size
 * @param optimizer {@code adam} or {@code sgd}
 * @param lr        learning rate
 * @param momentum  SGD momentum in [0, 1)
 * @param seed      seed of the weights, the validation split and the data order
 * @param valSplit  fraction of the training pictures held out for validation, in [0, 1)
 * @param limit     use at most this many training pictures per class (a seeded choice), or null for all
 * @param patience  early stopping after this many epochs without a better validation accuracy, or null
 * @param out       the model file kept (best epoch, or last without validation); {@link #lastFile()} beside it
 */
public record TrainingSettings(String model, String data, Shape input, int epochs, int batch, String optimizer,
                               double lr, double momentum, long seed, double valSplit, Integer limit,
                               Integer patience, Path out) {
    /** The description key the settings are saved under (the name the first CLI release used). */
    static final String KEY = "cli_run";

    /**
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    /** Weights and updates are float32: a larger rate is infinity there (real runs use 1e-5 .. 10). */
    public static final double MAX_LEARNING_RATE = Float.MAX_VALUE;

    public TrainingSettings {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(out, "out");
        optimizer = optimizer.toLowerCase(Locale.ROOT);
        if (!ModelZoo.contains(model)) {
            throw new IllegalArgumentException("model: unknown model '" + model + "'; known: "
                    + String.join(", ", ModelZoo.names()));
        }
        if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
            throw new IllegalArgumentException("optimizer: '" + optimizer + "' is not sgd or adam");
        }
        positive("epochs", epochs);
        positive("batch", batch);
        if (limit != null) {
            positive("limit", limit);
        }
        if (patience != null) {
            positive("patience", patience);
        }
        if (!(lr > 0) || lr > MAX_LEARNING_RATE) {
            throw new IllegalArgumentException("lr: must be a number above 0 and at most " + MAX_LEARNING_RATE
                    + ", got " + lr);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum: must be in [0, 1), got " + momentum);
        }
        if (!(valSplit >= 0 && valSplit < 1)) {
            throw new IllegalArgumentException("val-split: must be in [0, 1), got " + valSplit);
        }
        if (patience != null && valSplit == 0) {
            throw new IllegalArgumentException("patience needs validation data (val-split above 0)");
        }
        // before any picture is converted to this size (the batch is checked in TrainingRun, on the model built
        // for it and the number of pictures there are)
        Shape in = input != null ? input : ModelZoo.defaultInput(model);
        MemoryBudget.requireSetting(input != null ? "input " + in : "model " + model, "one picture of " + in,
                MemoryBudget.bytesOf(4, java.util.Arrays.stream(in.dims()).asLongStream().toArray()));
    }

    private static void positive(String what, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(what + ": must be at least 1, got " + v);
        }
    }

    /** Settings with the defaults of the command line: lenet5 on fashion-mnist, Adam 0.001, 10 epochs of 64. */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.model = model;
        b.data = data;
        b.input = input;
        b.epochs = epochs;
        b.batch = batch;
        b.optimizer = optimizer;
        b.lr = lr;
        b.momentum = momentum;
        b.seed = seed;
        b.valSplit = valSplit;
        b.limit = limit;
        b.patience = patience;
        b.out = out;
        return b;
    }

    /** The model input: {@link #input} or the architecture's default. */
    public Shape inputShape() {
        return input != null ? input : ModelZoo.defaultInput(model);
    }

    /** The file rewritten after every epoch, for resuming: model.c4j → model.last.c4j. */
    public Path lastFile() {
        return lastFile(out);
    }

    /** model.c4j → model.last.c4j; a name without extension gets ".last". */
    public static Path lastFile(Path out) {
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String lastName = dot > 0 ? name.substring(0, dot) + ".last" + name.substring(dot) : name + ".last";
        return out.resolveSibling(lastName);
    }

    /**
     * The settings a checkpoint of a run was written with; empty when the checkpoint was not written by a
     * TrainingRun (then the caller must say what to train).
     *
     * @throws IllegalArgumentException when the saved settings are incomplete or out of range
     */
    public static Optional<TrainingSettings> savedIn(Checkpoint checkpoint) {
        return savedSettings(checkpoint);
    }

    /**
     * The settings to resume {@code checkpoint}, read from {@code file}: its training state is checked, then the
     * saved run's settings are returned with the output moved next to {@code file} (resuming a copy must not
     * overwrite the original run's files; set another {@code out} to override), ready for more changes; empty
     * when the checkpoint was not written by a TrainingRun.
     *
     * @throws IllegalArgumentException when the checkpoint's training state or saved settings are broken
     */
    public static Optional<Builder> resuming(Checkpoint checkpoint, Path file) {
        org.convnet4j.train.TrainingCheckpoints.read(checkpoint);
        return savedSettings(checkpoint).map(s -> s.toBuilder()
                .out(file.toAbsolutePath().resolveSibling(s.out().getFileName().toString())));
    }

    /**
     * A checkpoint description (JSON text, e.g. {@code ModelFiles.describe}) with these settings saved in it, as every
     * checkpoint of a {@link TrainingRun} carries them: {@link #savedIn} reads them back, so that a run can be resumed
     * from any such file (an engine's own checkpoints too, e.g. Spark's {@code --checkpoint-dir}).
     */
    public String savedInto(String description) {
        JsonObject d = Json.parseObject(description, "description");
        d.add(KEY, toJson());
        return Json.toCompact(d);
    }

    /** The saved settings' key saying how the validation split was drawn ("class": stratified by class). */
    static final String SPLIT_BY = "val_split_by";

    /**
     * Whether a run saved in {@code checkpoint} drew its validation split stratified by class: true unless its saved
     * settings predate that (they carry no {@value #SPLIT_BY}); a checkpoint without saved settings gets today's split.
     */
    static boolean splitByClass(Checkpoint checkpoint) {
        JsonElement e = Json.parseObject(checkpoint.description(), "checkpoint description").get(KEY);
        if (e == null || !e.isJsonObject()) {
            return true;
        }
        JsonElement by = e.getAsJsonObject().get(SPLIT_BY);
        return by != null && by.isJsonPrimitive() && "class".equals(by.getAsString());
    }

    private static Optional<TrainingSettings> savedSettings(Checkpoint checkpoint) {
        JsonElement e = Json.parseObject(checkpoint.description(), "checkpoint description").get(KEY);
        if (e == null || !e.isJsonObject()) {
            return Optional.empty();
        }
        JsonObject r = e.getAsJsonObject();
        try {
            Builder b = builder().model(r.get("model").getAsString()).data(r.get("data").getAsString())
                    .input(r.has("input") ? Shape.parse(r.get("input").getAsString()) : null)
                    .epochs(r.get("epochs").getAsInt()).batch(r.get("batch").getAsInt())
                    .optimizer(r.get("optimizer").getAsString()).lr(r.get("lr").getAsDouble())
                    .momentum(r.get("momentum").getAsDouble()).seed(r.get("seed").getAsLong())
                    .valSplit(r.get("val_split").getAsDouble())
                    .limit(r.has("limit") ? r.get("limit").getAsInt() : null)
                    .patience(r.has("patience") ? r.get("patience").getAsInt() : null)
                    .out(Path.of(r.get("out").getAsString()));
            return Optional.of(b.build());
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException("its saved run settings are incomplete (" + ex.getMessage() + ")", ex);
        }
    }

    JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("model", model);
        o.addProperty("data", data);
        if (input != null) {
            o.addProperty("input", input.toCompactString());
        }
        o.addProperty("epochs", epochs);
        o.addProperty("batch", batch);
        o.addProperty("optimizer", optimizer);
        o.addProperty("lr", lr);
        o.addProperty("momentum", momentum);
        o.addProperty("seed", seed);
        o.addProperty("val_split", valSplit);
        o.addProperty(SPLIT_BY, "class");
        if (limit != null) {
            o.addProperty("limit", limit);
        }
        if (patience != null) {
            o.addProperty("patience", patience);
        }
        o.addProperty("out", out.toString());
        return o;
    }

    /**
     * Settings given by a caller over others (a command line's options over the defaults, or over the settings a
     * resumed run saved): every field left null keeps the builder's value ({@link Builder#override}). The
     * {@code train} command and {@code spark train} fill one from their options.
     */
    public static final class Overrides {
        public String model;
        public String data;
        public Shape input;
        public Integer epochs;
        public Integer batch;
        /** A new optimiser without {@link #lr} keeps the builder's rate if it has one (a resumed run's). */
        public String optimizer;
        public Double lr;
        public Double momentum;
        public Long seed;
        public Double valSplit;
        public Integer limit;
        public Integer patience;
        public Path out;
    }

    /** Mutable builder; every setting has the command line's default. */
    public static final class Builder {
        private String model = "lenet5";
        private String data = "fashion-mnist";
        private Shape input;
        private int epochs = 10;
        private int batch = 64;
        private String optimizer = "adam";
        private Double lr;
        private double momentum;
        private long seed = 42;
        private double valSplit = 0.1;
        private Integer limit;
        private Integer patience;
        private Path out = Path.of("model.c4j");

        private Builder() {
        }

        public Builder model(String v) {
            model = v;
            return this;
        }

        public Builder data(String v) {
            data = v;
            return this;
        }

        public Builder input(Shape v) {
            input = v;
            return this;
        }

        public Builder epochs(int v) {
            epochs = v;
            return this;
        }

        public Builder batch(int v) {
            batch = v;
            return this;
        }

        /** {@code adam} or {@code sgd}; the learning rate defaults to 0.001 for Adam and 0.1 for SGD. */
        public Builder optimizer(String v) {
            optimizer = v;
            return this;
        }

        public Builder lr(double v) {
            lr = v;
            return this;
        }

        public Builder momentum(double v) {
            momentum = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder valSplit(double v) {
            valSplit = v;
            return this;
        }

        public Builder limit(Integer v) {
            limit = v;
            return this;
        }

        public Builder patience(Integer v) {
            patience = v;
            return this;
        }

        public Builder out(Path v) {
            out = v;
            return this;
        }

        /** Every setting {@code given} holds (not null) over this builder's; the others stay. */
        public Builder override(Overrides given) {
            setIf(given.optimizer, this::optimizer);
            setIf(given.model, this::model);
            setIf(given.data, this::data);
            setIf(given.input, this::input);
            setIf(given.epochs, this::epochs);
            setIf(given.batch, this::batch);
            setIf(given.lr, this::lr);
            setIf(given.momentum, this::momentum);
            setIf(given.seed, this::seed);
            setIf(given.valSplit, this::valSplit);
            setIf(given.limit, this::limit);
            setIf(given.patience, this::patience);
            setIf(given.out, this::out);
            return this;
        }

        private static <T> void setIf(T value, java.util.function.Consumer<T> setter) {
            if (value != null) {
                setter.accept(value);
            }
        }

        public TrainingSettings build() {
            double rate = lr != null ? lr : "sgd".equalsIgnoreCase(optimizer) ? 0.1 : 0.001;
            return new TrainingSettings(model, data, input, epochs, batch, optimizer, rate, momentum, seed, valSplit,
                    limit, patience, out);
        }
    }
}
