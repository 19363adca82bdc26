package org.convnet4j.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.ConfusionMatrix;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.PhaseListener;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingContext;

/**
 * Feeds a {@link RunLog} from a training run, for the dashboard: a {@code start} event, {@code step} events
 * (loss, running accuracy, learning rate, images/s, ETA; at most about four a second so that long runs stay
 * small), an {@code epoch} event with the epoch's record, the first layer's kernels and a sample's feature maps
 * as pictures, and an {@code end} event with the validation confusion matrix. Feature maps are those of the first
 * convolution, or of a chosen layer (a {@link Sequential}'s layer or a {@link Graph}'s node, by name).
 * A training in phases (transfer learning) adds a {@code phase} event as each phase starts and {@code progress}
 * events while the phase computes what it needs before its first step (the frozen layers' outputs), at most about
 * four a second. A phase that only evaluates (transfer's Case 0) ends with an {@code end} event holding its
 * confusion matrix and class map. A training in phases gets its confusion matrix once, from {@link #onEvaluated}
 * (transfer: the kept model's on the test set, after the last phase), not at the end of each phase as well
 * ({@code FineTuning.fit} called on its own evaluates nothing, so its run ends without one).
 */
public final class DashboardListener implements PhaseListener {
    private static final long STEP_EVERY_NANOS = 250_000_000L;
    private static final int MAX_TILES = 64;
    /** The confusion matrix at the end uses at most this many validation samples, so that it takes seconds. */
    static final int CONFUSION_SAMPLES = 5000;

    private final RunLog log;
    private final Dataset validation;
    /** What the confusion matrix at the end is computed on, as the page names it. */
    private String dataName = "validation";
    private final Tensor sample;
    private final String mapsLayer;
    private long runStart;
    private long epochStart;
    private long lastStepEvent;
    private long stepsThisRun;
    private int firstEpoch;
    private long preparationStart;
    private long lastProgressEvent;
    /** A phase has started: the run's confusion matrix comes from {@link #onEvaluated}, once. */
    private boolean phased;
    /**
     * In a phase trained after a cached part ({@link #onCachedPrefix}): the whole network, which takes the sample
     * and shares the layers the phase trains; null otherwise.
     */
    private Model whole;

    /**
     * @param validation for the confusion matrix at the end (may be null)
     * @param sample a model input [C, H, W] whose feature maps are drawn each epoch (may be null)
     */
    public DashboardListener(RunLog log, Dataset validation, Tensor sample) {
        this(log, validation, sample, null);
    }

    /**
     * @param mapsLayer the layer (sequential models) or node (graphs) whose output [C, H, W] is drawn as feature
     *     maps; null for the first convolution. The run stops at its start with an {@link IllegalArgumentException}
     *     naming the candidates when the model has no such layer.
     */
    public DashboardListener(RunLog log, Dataset validation, Tensor sample, String mapsLayer) {
        this.log = log;
        this.validation = validation;
        this.sample = sample;
        this.mapsLayer = mapsLayer;
    }

    public RunLog log() {
        return log;
    }

    @Override
    public void onTrainStart(TrainingContext ctx) {
        if (mapsLayer != null) {
            List<String> candidates = mapLayers(whole != null ? whole : ctx.model());
            if (!candidates.contains(mapsLayer)) {
                try {
                    log.discardIfEmpty(); // a refused run leaves no empty run directory behind
                } catch (java.io.IOException ignored) {
                    // the refusal below is what matters
                }
                throw new IllegalArgumentException("feature maps of layer '" + mapsLayer + "': the model has no layer"
                        + " of that name with [C, H, W] output; it has " + (candidates.isEmpty() ? "none"
                        : String.join(", ", candidates.size() > 40 ? candidates.subList(0, 40) : candidates)
                        + (candidates.size() > 40 ? ", ..." : "")));
            }
        }
        runStart = System.nanoTime();
        firstEpoch = ctx.epoch() + 1;
        JsonObject e = event("start");
        e.addProperty("run", log.id());
        e.addProperty("model", ctx.model().getClass().getSimpleName());
        e.addProperty("parameters", ctx.model().trainableParameterCount());
        e.addProperty("epochs", ctx.config().epochs());
        e.addProperty("batch_size", ctx.config().batchSize());
        e.addProperty("batches_per_epoch", ctx.batchesPerEpoch());
        e.addProperty("first_epoch", firstEpoch);
        log.append(e);
    }

    @Override
    public void onPhaseStart(int number, String title) {
        phased = true;
        whole = null;
        preparationStart = System.nanoTime(); // a phase whose preparation is cached reports only its end
        JsonObject e = event("phase");
        e.addProperty("phase", number);
        e.addProperty("title", title);
        log.append(e);
    }

    @Override
    public void onPhaseProgress(String what, long done, long total) {
        long now = System.nanoTime();
        if (done == 0) {
            preparationStart = now;
        } else if (done < total && now - lastProgressEvent < STEP_EVERY_NANOS) {
            return;
        }
        lastProgressEvent = now;
        JsonObject e = event("progress");
        e.addProperty("what", what);
        e.addProperty("done", done);
        e.addProperty("total", total);
        double seconds = (now - preparationStart) / 1e9;
        if (done > 0 && seconds > 0) {
            e.addProperty("images_per_second", done / seconds);
            e.addProperty("eta_seconds", (total - done) * seconds / done);
        }
        log.append(e);
    }

    /**
     * The run's final model was evaluated (transfer: on the test set): an {@code end} event with its confusion matrix
     * and, for a model answering with classes of its own (transfer's Case 0), a {@code class_map} (each evaluated class
     * with the model's class that answers for it; none when it does not know it), so that the run is finished on the
     * page with its result.
     */
    @Override
    public void onEvaluated(ConfusionMatrix confusion, int samples, Map<String, String> classMap) {
        JsonObject e = event("end");
        e.add("confusion", confusionJson(confusion, samples));
        if (!classMap.isEmpty()) {
            e.add("class_map", classMap(classMap));
        }
        log.append(e);
    }

    private static JsonArray classMap(Map<String, String> classMap) {
        JsonArray map = new JsonArray();
        classMap.forEach((target, own) -> {
            JsonObject m = new JsonObject();
            m.addProperty("class", target);
            if (own != null) {
                m.addProperty("model_class", own);
            }
            map.add(m);
        });
        return map;
    }

    /** Feature maps in such a phase are drawn through {@code whole} (see {@link #onEpochEnd}). */
    @Override
    public void onCachedPrefix(Model whole, int cachedLayers) {
        this.whole = whole;
    }

    @Override
    public void onEpochStart(TrainingContext ctx, int epoch) {
        epochStart = System.nanoTime();
    }

    @Override
    public void onBatchEnd(TrainingContext ctx, int epoch, int batch, int batches, double loss) {
        stepsThisRun++;
        long now = System.nanoTime();
        if (now - lastStepEvent < STEP_EVERY_NANOS && batch != batches) {
            return;
        }
        lastStepEvent = now;
        JsonObject e = event("step");
        e.addProperty("epoch", epoch);
        e.addProperty("batch", batch);
        e.addProperty("step", ctx.step());
        e.addProperty("loss", finite(loss));
        Metrics running = ctx.runningMetrics();
        if (running != null && running.count() > 0) {
            e.addProperty("running_loss", finite(running.loss()));
            e.addProperty("running_accuracy", finite(running.accuracy()));
        }
        e.addProperty("lr", ctx.config().optimizer().learningRate());
        double epochSeconds = (now - epochStart) / 1e9;
        e.addProperty("images_per_second", epochSeconds > 0 ? batch * (double) ctx.config().batchSize() / epochSeconds : 0);
        long stepsLeft = (long) (ctx.config().epochs() - epoch) * batches + (batches - batch);
        double perStep = (now - runStart) / 1e9 / stepsThisRun;
        e.addProperty("eta_seconds", stepsLeft * perStep);
        log.append(e);
    }

    @Override
    public void onEpochEnd(TrainingContext ctx, int epoch, Map<String, Double> record) {
        JsonObject e = event("epoch");
        e.addProperty("epoch", epoch);
        JsonObject r = new JsonObject();
        record.forEach((k, v) -> r.addProperty(k, finite(v)));
        e.add("record", r);
        Model model = ctx.model();
        try {
            // transfer learning may train the layers after a frozen, cached part: then the sample is not the model's
            // input, and the model's first convolution is not the network's first layer
            boolean fits = sample != null && model.inputShapes().equals(List.of(sample.shape()));
            Map.Entry<String, Tensor> kernels = firstKernelsByName(model);
            if (kernels != null) {
                e.addProperty("kernels", MapImages.dataUrl(MapImages.tiles(kernels.getValue(), MAX_TILES, 8)));
                e.addProperty("kernels_shape", kernels.getValue().shape().toString());
                String name = kernels.getKey();
                e.addProperty("kernels_layer", name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name);
                if (sample != null && !fits) {
                    e.addProperty("kernels_after_cached", true);
                }
            }
            // after a cached part the maps come from the whole network (its frozen layers as they are, the trained
            // ones as this epoch left them): the same maps a picture gets from the network
            Model mapped = fits ? model : sample != null && whole != null
                    && whole.inputShapes().equals(List.of(sample.shape())) ? whole : null;
            String at = mapped != null ? (mapsLayer != null ? mapsLayer : firstConvolution(mapped)) : null;
            Tensor maps = at != null ? featureMaps(mapped, sample, at) : null;
            if (maps != null) {
                e.addProperty("maps_layer", at);
                if (mapped != model) {
                    e.addProperty("maps_through_cached", true);
                }
                e.addProperty("sample", MapImages.dataUrl(MapImages.picture(sample)));
                e.addProperty("maps", MapImages.dataUrl(MapImages.tiles(maps, MAX_TILES, 8)));
                e.addProperty("maps_shape", maps.shape().toString());
            }
        } catch (RuntimeException ex) {
            // pictures are an extra: a model they do not fit must not stop its training
            e.addProperty("note", "no kernel or feature-map pictures: " + ex.getMessage());
        }
        log.append(e);
    }

    /**
     * Names the data given as {@code validation} for the page ("validation" by default): "test" when a command
     * gives its test set (zoo-benchmark, transfer), so that the confusion matrix says which pictures it counts.
     */
    public DashboardListener dataName(String name) {
        this.dataName = name;
        return this;
    }

    @Override
    public void onTrainEnd(TrainingContext ctx) {
        JsonObject e = event("end");
        if (ctx.stopReason() != null) {
            e.addProperty("stopped", ctx.stopReason());
        }
        // a run in phases is evaluated once, after its last phase (onEvaluated): an evaluation at each phase's end
        // was one more pass over up to CONFUSION_SAMPLES pictures per phase, superseded by the next
        if (!phased && validation != null && validation.size() > 0
                && validation.inputShapes().equals(ctx.model().inputShapes())) {
            Dataset shown = validation.size() > CONFUSION_SAMPLES ? Datasets.subset(validation, CONFUSION_SAMPLES)
                    : validation;
            Metrics m = Trainer.evaluate(ctx.model(), shown, 256);
            JsonObject c = confusionJson(m.confusion(), shown.size());
            e.add("confusion", c);
        }
        log.append(e);
    }

    /**
     * Adds a {@code confusion} event: a confusion matrix computed outside the trainer (a fusion model combined
     * from members trained one after another, say); the page shows the run's latest one.
     */
    public void confusion(ConfusionMatrix cm, int samples) {
        JsonObject e = event("confusion");
        e.add("confusion", confusionJson(cm, samples));
        log.append(e);
    }

    private JsonObject confusionJson(ConfusionMatrix cm, int samples) {
        JsonArray classes = new JsonArray();
        cm.classNames().forEach(classes::add);
        JsonArray rows = new JsonArray();
        for (int a = 0; a < cm.numClasses(); a++) {
            JsonArray row = new JsonArray();
            for (int p = 0; p < cm.numClasses(); p++) {
                row.add(cm.count(a, p));
            }
            rows.add(row);
        }
        JsonObject c = new JsonObject();
        c.add("classes", classes);
        c.add("matrix", rows);
        c.addProperty("accuracy", cm.accuracy());
        c.addProperty("samples", samples);
        c.addProperty("data", dataName);
        return c;
    }

    private JsonObject event(String type) {
        JsonObject e = new JsonObject();
        e.addProperty("type", type);
        e.addProperty("time", System.currentTimeMillis() / 1000.0);
        return e;
    }

    private static double finite(double v) {
        return Double.isFinite(v) ? v : -1; // JSON has no NaN; the page draws no point below zero for losses
    }

    /**
     * The first four-dimensional weight [F, C, KH, KW] in parameter order, by its parameter's name ({@code conv1.weight}):
     * the first convolution's kernels.
     */
    static Map.Entry<String, Tensor> firstKernelsByName(Model model) {
        for (Map.Entry<String, Tensor> t : model.stateDict().entrySet()) {
            if (t.getValue().rank() == 4) {
                return t;
            }
        }
        return null;
    }

    /** The layers (sequential) or nodes (graph) whose per-sample output is [C, H, W], in order. */
    public static List<String> mapLayers(Model model) {
        List<String> names = new java.util.ArrayList<>();
        if (model instanceof Sequential seq) {
            for (int i = 0; i < seq.layers().size(); i++) {
                if (seq.outputShapeAt(i).rank() == 3) {
                    names.add(seq.layers().get(i).name());
                }
            }
        } else if (model instanceof Graph g) {
            for (Graph.Node n : g.nodes()) {
                if (!n.isInput() && n.shape().rank() == 3) {
                    names.add(n.name());
                }
            }
        }
        return names;
    }

    /** The first convolution's layer (sequential) or node (graph) name, or null. */
    static String firstConvolution(Model model) {
        if (model instanceof Sequential seq) {
            for (Layer l : seq.layers()) {
                if (l instanceof Conv2d) {
                    return l.name();
                }
            }
        } else if (model instanceof Graph g) {
            for (Graph.Node n : g.nodes()) {
                if (!n.isInput() && n.layer() instanceof Conv2d) {
                    return n.name();
                }
            }
        }
        return null;
    }

    /**
     * The sample's feature maps at a layer (sequential) or node (graph), each map a one-channel tile
     * [C, 1, H, W], in inference mode (batch norm with its running statistics, no dropout); null when that
     * output is not [C, H, W].
     */
    static Tensor featureMaps(Model model, Tensor sample, String layer) {
        Tensor x = sample.reshape(sample.shape().prepend(1));
        Tensor a = null;
        if (model instanceof Sequential seq) {
            a = GradMode.withoutGradients(() -> {
                Tensor y = x;
                for (Layer l : seq.layers()) {
                    y = l.forward(y, false);
                    if (l.name().equals(layer)) {
                        return y;
                    }
                }
                return null;
            });
        } else if (model instanceof Graph g && g.inputNames().size() == 1) {
            // a pass that keeps every node's value (the graph frees them in passes without gradients)
            if (!GradMode.isEnabled()) {
                return null;
            }
            g.forward(List.of(x), false);
            a = g.activation(layer);
        }
        if (a == null || a.rank() != 4) {
            return null;
        }
        return a.reshape(a.dim(1), 1, a.dim(2), a.dim(3));
    }
}
