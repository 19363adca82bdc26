package org.convnet4j.cli;

import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.convnet4j.checkpoint.Json;
import org.convnet4j.cli.transfer.BaseModel;
import org.convnet4j.cli.transfer.TargetData;
import org.convnet4j.cli.transfer.TransferRun;
import org.convnet4j.data.Datasets;
import org.convnet4j.nn.Sequential;
import org.convnet4j.transfer.FeatureCache;
import org.convnet4j.transfer.FeatureExtractor;
import org.convnet4j.transfer.FeatureStatistics;
import org.convnet4j.transfer.Transfer;
import org.convnet4j.transfer.TransferAdvisor;
import org.convnet4j.transfer.LinearProbe;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code convnet4j advise}: which transfer case the lecture's table recommends for a target data set. */
@Command(name = "advise", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        header = "Recommend a transfer-learning case (0-4) from the target data's size and similarity.",
        description = {"Recommend a transfer-learning case from the target data's size and its similarity to the",
            "base model's training data, measured by a linear probe (logistic regression on the base's penultimate",
            "features of a target sample vs. on its pixels) and, if the base file has them, the shift of the",
            "penultimate feature statistics.", "",
            "Sizes: small < " + TransferAdvisor.SMALL_BELOW + " images per class, large > " + TransferAdvisor.LARGE_ABOVE
                + "; similar: probe on features at most " + LinearProbe.MARGIN + " below the probe on pixels (without a"
                + " probe: feature shift <= " + TransferAdvisor.SIMILARITY_THRESHOLD + ").", ""},
        footer = {"", "Examples:",
            "  convnet4j advise --size small --similarity dissimilar",
            "  convnet4j advise --base base.c4j --data opencv-digits --limit 10 --try"})
public final class AdviseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--base", paramLabel = "MODEL", description = "The pretrained model file (with feature statistics).")
    String base;

    @Option(names = "--data", paramLabel = "SPEC", description = "The target data (as for transfer).")
    String data;

    @Option(names = "--size", paramLabel = "small|medium|large", description = "Give the size instead of measuring it.")
    String sizeText;

    @Option(names = "--similarity", paramLabel = "similar|dissimilar", description = "Give the similarity instead of measuring it.")
    String similarityText;

    @Option(names = "--limit", paramLabel = "N", description = "At most N training images per class.")
    Integer limit;

    @Option(names = "--resize", description = "Convert pictures to the base's input size and channels.")
    boolean resize;

    @Option(names = "--probe-samples", paramLabel = "N", description = "Target images for the linear probe (two"
            + " thirds train it, one third tests it; 0 = no probe). Default: " + LinearProbe.DEFAULT_SAMPLES + ".")
    int probeSamples = LinearProbe.DEFAULT_SAMPLES;

    @Option(names = "--try", description = "Run the two best candidates on a validation split and report the winner.")
    boolean tryThem;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs for gradient cases when trying. Default: 3.")
    int epochs = 3;

    @Option(names = "--json", description = "Print the recommendation as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        TransferAdvisor.Size size = sizeText == null ? null : parse(TransferAdvisor.Size.class, sizeText, "--size");
        TransferAdvisor.Similarity similarity = similarityText == null ? null
                : parse(TransferAdvisor.Similarity.class, similarityText, "--similarity");
        TransferAdvisor.Recommendation r;
        BaseModel b = null;
        TargetData target = null;
        if (size != null && similarity != null && data == null) {
            r = TransferAdvisor.table(size, similarity);
        } else {
            if (base == null || data == null) {
                throw new BadInputException("advise: give --base and --data to measure, or --size and --similarity");
            }
            b = BaseModel.load(base);
            target = TargetData.load(data, b.preprocessing(), resize, limit, 42);
            double perClass = target.imagesPerClass();
            double shift = measureShift(b, target);
            LinearProbe.Result probe = probeSamples == 0 ? null : LinearProbe.measure(b.model(),
                    FeatureStatistics.penultimateLayer(b.model()), target.train(), probeSamples, 42);
            if (Double.isNaN(shift) && probe == null) {
                throw new BadInputException("--base " + b.origin() + " has no feature statistics (saved by 'train' and"
                        + " 'experiment transfer') and --probe-samples is 0: nothing measures the similarity;"
                        + " give --similarity");
            }
            r = TransferAdvisor.measured(perClass, shift, probe);
            if (size != null || similarity != null) {
                r = TransferAdvisor.table(size != null ? size : r.size(), similarity != null ? similarity : r.similarity());
            }
        }
        String cut = r.transferCase() != TransferCase.BOTTLENECK ? null
                : b == null ? (r.earlyCut() ? "<early layer>" : "<last layer before the dense head>")
                : r.earlyCut() ? Transfer.earlyCut(b.model()) : Transfer.defaultCut(b.model());
        JsonObject o = new JsonObject();
        o.addProperty("case", r.transferCase().number());
        if (cut != null) {
            o.addProperty("cut", cut);
        }
        o.addProperty("size", r.size().name().toLowerCase(Locale.ROOT));
        o.addProperty("similarity", r.similarity().name().toLowerCase(Locale.ROOT));
        o.add("reasons", Json.toTree(r.reasons()));
        o.add("figures", Json.toTree(r.figures()));
        if (tryThem) {
            if (b == null) {
                throw new BadInputException("--try needs --base and --data");
            }
            TransferAdvisor.Recommendation second = TransferAdvisor.runnerUp(r);
            Datasets.Split split = Datasets.split(target.train(), 0.25, 42);
            TargetData trial = new TargetData(split.train(), split.validation(), target.spec());
            double a1 = trial(b, r, trial);
            double a2 = trial(b, second, trial);
            JsonObject t = new JsonObject();
            t.addProperty("first", label(r));
            t.addProperty("first_val_accuracy", a1);
            t.addProperty("second", label(second));
            t.addProperty("second_val_accuracy", a2);
            t.addProperty("winner", a1 >= a2 ? label(r) : label(second));
            o.add("try", t);
        }
        if (json) {
            out.println(Json.toCompact(o));
        } else {
            out.printf("Recommended: %s%s%n", r.transferCase(), cut == null ? "" : ", cut at " + cut);
            r.reasons().forEach(s -> out.println("  - " + s));
            if (o.has("try")) {
                JsonObject t = o.getAsJsonObject("try");
                out.printf(Locale.ROOT, "tried on a validation split: %s %.4f, %s %.4f -> %s wins%n",
                        t.get("first").getAsString(), t.get("first_val_accuracy").getAsDouble(),
                        t.get("second").getAsString(), t.get("second_val_accuracy").getAsDouble(),
                        t.get("winner").getAsString());
            }
        }
        return 0;
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String text, String option) {
        try {
            return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(option + " " + text + ": expected one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }

    /** Shift of the base's penultimate feature statistics from its training data to the target's; NaN without them. */
    static double measureShift(BaseModel b, TargetData target) {
        FeatureStatistics source = b.featureStatistics();
        if (source == null) {
            return Double.NaN;
        }
        FeatureStatistics t = FeatureStatistics.compute(b.model(), source.layer(), target.train(), 1000);
        return source.shift(t);
    }

    private static String label(TransferAdvisor.Recommendation r) {
        return "case " + r.transferCase().number() + (r.transferCase() == TransferCase.BOTTLENECK
                ? (r.earlyCut() ? " (early cut)" : " (default cut)") : "");
    }

    private double trial(BaseModel b, TransferAdvisor.Recommendation r, TargetData trial) throws java.io.IOException {
        Sequential copy = b.copy();
        TransferOptions o = TransferOptions.forClasses(trial.train().classNames());
        if (r.transferCase() == TransferCase.BOTTLENECK) {
            o = o.withCut(r.earlyCut() ? Transfer.earlyCut(copy) : Transfer.defaultCut(copy));
        }
        return TransferRun.run(copy, r.transferCase(), o, "logreg", trial, epochs, 32,
                new FeatureCache(Path.of(System.getProperty("java.io.tmpdir"), "convnet4j-advise")), List.of(),
                FeatureExtractor.Progress.NONE).accuracy();
    }
}
