package org.convnet4j.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.nn.GradMode;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.ConfusionMatrix;
import org.convnet4j.train.Metrics;
import org.convnet4j.train.Trainer;
import org.convnet4j.train.TrainingContext;
import org.convnet4j.train.TrainingListener;

/**
 * Feeds a {@link RunLog} from a training run, for the dashboard: a {@code start} event, {@code step} events
 * (loss, running accuracy, learning rate, images/s, ETA; at most about four a second so that long runs stay
 * small), an {@code epoch} event with the epoch's record, the first layer's kernels and a sample's feature maps
 * as pictures, and an {@code end} event with the validation confusion matrix.
 */
public final class DashboardListener implements TrainingListener {
    private static final long STEP_EVERY_NANOS = 250_000_000L;
    private static final int MAX_TILES = 64;
    /** The confusion matrix at the end uses at most this many validation samples, so that it takes seconds. */
    static final int CONFUSION_SAMPLES = 5000;

    private final RunLog log;
    private final Dataset validation;
    private final Tensor sample;
    private long runStart;
    private long epochStart;
    private long lastStepEvent;
    private long stepsThisRun;
    private int firstEpoch;

    /**
     * @param validation for the confusion matrix at the end (may be null)
     * @param sample a model input [C, H, W] whose feature maps are drawn each epoch (may be null)
     */
    public DashboardListener(RunLog log, Dataset validation, Tensor sample) {
        this.log = log;
        this.validation = validation;
        this.sample = sample;
    }

    public RunLog log() {
        return log;
    }

    @Override
    public void onTrainStart(TrainingContext ctx) {
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
            Tensor kernels = firstKernels(model);
            if (kernels != null) {
                e.addProperty("kernels", MapImages.dataUrl(MapImages.tiles(kernels, MAX_TILES, 8)));
                e.addProperty("kernels_shape", kernels.shape().toString());
            }
            // transfer learning may train a head on cached features: then the sample is not the model's input
            boolean fits = sample != null && model.inputShapes().equals(List.of(sample.shape()));
            Tensor maps = fits ? firstConvMaps(model, sample) : null;
            if (maps != null) {
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

    @Override
    public void onTrainEnd(TrainingContext ctx) {
        JsonObject e = event("end");
        if (ctx.stopReason() != null) {
            e.addProperty("stopped", ctx.stopReason());
        }
        if (validation != null && validation.size() > 0
                && validation.inputShapes().equals(ctx.model().inputShapes())) {
            Dataset shown = validation.size() > CONFUSION_SAMPLES ? Datasets.subset(validation, CONFUSION_SAMPLES)
                    : validation;
            Metrics m = Trainer.evaluate(ctx.model(), shown, 256);
            ConfusionMatrix cm = m.confusion();
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
            c.addProperty("samples", shown.size());
            e.add("confusion", c);
        }
        log.append(e);
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

    /** The first four-dimensional weight [F, C, KH, KW] in parameter order: the first convolution's kernels. */
    static Tensor firstKernels(Model model) {
        for (Tensor t : model.stateDict().values()) {
            if (t.rank() == 4) {
                return t;
            }
        }
        return null;
    }

    /** A sequential model's first convolution applied to the sample (with the layers before it), else null. */
    static Tensor firstConvMaps(Model model, Tensor sample) {
        if (!(model instanceof Sequential seq)) {
            return null;
        }
        List<Layer> layers = seq.layers();
        return GradMode.withoutGradients(() -> {
            Tensor x = sample.reshape(sample.shape().prepend(1));
            for (Layer l : layers) {
                x = l.forward(x, false);
                if (l instanceof Conv2d) {
                    return x.reshape(x.dim(1), 1, x.dim(2), x.dim(3)); // each map a one-channel tile
                }
            }
            return null;
        });
    }
}
