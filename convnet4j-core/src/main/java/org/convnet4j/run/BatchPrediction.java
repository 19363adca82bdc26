package org.convnet4j.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.internal.json.Json;
import org.convnet4j.model.Classifications;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.Prediction;
import org.convnet4j.tensor.Tensor;

/**
 * What {@code convnet4j predict} does, as a library call: the {@code k} most likely classes of picture files and of
 * the test part of data sets ({@link DataSpec} strings such as {@code fashion-mnist:5-9}, read as {@code evaluate}
 * reads them: prepared for the model, at most {@code limit} per class, seed 42), with the answers as text or JSON.
 *
 * <p>Every picture file is read before any is classified, so a bad file fails the call without answers.
 */
public final class BatchPrediction {
    /** The seed of the per-class choice of {@code limit} (the same as {@code evaluate --limit}). */
    public static final long SEED = 42;
    /** The batch size data sets are classified in. */
    public static final int BATCH = 256;

    /** The answer for one sample: its name (a file, or a data set's sample name), its true class or null, top k. */
    public record Answer(String name, String trueClass, List<Prediction> top) {
        public Answer {
            Objects.requireNonNull(name, "name");
            top = List.copyOf(top);
        }
    }

    private final List<Answer> answers;

    private BatchPrediction(List<Answer> answers) {
        this.answers = List.copyOf(answers);
    }

    /** Answers made elsewhere (e.g. a multi-input model's, {@code FusionClassifier.classify}). */
    public static BatchPrediction of(List<Answer> answers) {
        return new BatchPrediction(answers);
    }

    /**
     * The top {@code k} classes of every picture file, then of every sample of the data sets' test parts.
     *
     * @param limit at most this many samples per class of each data set (null: all)
     * @throws IOException a picture or a data set that cannot be read (the message names it)
     * @throws IllegalArgumentException k below 1, or a malformed data spec
     */
    public static BatchPrediction run(ImageClassifier classifier, List<Path> pictures, List<String> dataSpecs,
            Integer limit, int k) throws IOException {
        if (k < 1) {
            throw new IllegalArgumentException("top k must be at least 1, got " + k);
        }
        List<DataSpec> specs = dataSpecs.stream().map(DataSpec::of).toList(); // malformed: before any reading
        // what is held is each picture prepared as the model's input (decoded pictures of many megapixels add up)
        List<Tensor> prepared = new ArrayList<>();
        for (Path p : pictures) {
            prepared.add(classifier.prepare(p));
        }
        List<Answer> out = new ArrayList<>();
        for (int i = 0; i < prepared.size(); i++) {
            Tensor t = prepared.get(i);
            Classifications c = classifier.classifyPrepared(t.reshape(t.shape().prepend(1)), 1).get(0);
            out.add(new Answer(pictures.get(i).toString(), null, c.topK(k)));
        }
        for (int s = 0; s < specs.size(); s++) {
            Dataset ds = DataSpec.limited(specs.get(s).test(classifier.preprocessing(), SEED).test(), limit, SEED);
            List<Classifications> cs = classifier.classifyPrepared(ds, BATCH);
            for (int i = 0; i < ds.size(); i++) {
                out.add(new Answer(DataSpec.sampleName(ds, i, dataSpecs.get(s)), ds.classNames().get(ds.label(i)),
                        cs.get(i).topK(k)));
            }
        }
        return new BatchPrediction(out);
    }

    public List<Answer> answers() {
        return answers;
    }

    /**
     * One JSON object: {@code {"model": model, "predictions": [{"image", "true_class" (data sets only), "top":
     * [{"class", "label", "probability"}]}]}}.
     */
    public String toJson(String model) {
        JsonObject o = new JsonObject();
        o.addProperty("model", model);
        JsonArray results = new JsonArray();
        for (Answer a : answers) {
            JsonObject r = new JsonObject();
            r.addProperty("image", a.name());
            if (a.trueClass() != null) {
                r.addProperty("true_class", a.trueClass());
            }
            JsonArray top = new JsonArray();
            for (Prediction p : a.top()) {
                JsonObject po = new JsonObject();
                po.addProperty("class", p.className());
                po.addProperty("label", p.label());
                po.addProperty("probability", p.probability());
                top.add(po);
            }
            r.add("top", top);
            results.add(r);
        }
        o.add("predictions", results);
        return Json.toCompact(o);
    }

    /** A block per sample: {@code name (true class):}, then one {@code   12.34%  class} line per class. */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (Answer a : answers) {
            b.append(a.name()).append(a.trueClass() != null ? " (" + a.trueClass() + ")" : "").append(':').append(System.lineSeparator());
            for (Prediction p : a.top()) {
                b.append(String.format(Locale.ROOT, "  %6.2f%%  %s%n", 100 * p.probability(), p.className()));
            }
        }
        return b.toString();
    }
}
