package org.convnet4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.convnet4j.internal.json.Json;
import org.convnet4j.io.weights.Downloads;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.io.weights.WeightsCatalogue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The weights catalogue and the download cache. */
@Command(name = "weights", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        header = "Published ImageNet weights: list the catalogue and the cache, fetch files ahead of time.",
        description = {
            "Catalogued names (resnet50:imagenet, vgg16:keras, ...) work wherever a model file does: predict, evaluate,"
                + " import, summary, infer, transfer --base. Files are downloaded once, verified (SHA-256 prefix in"
                + " torchvision's names, Keras' MD5) and kept in $CONVNET4J_CACHE/weights (default"
                + " ~/.cache/convnet4j/weights).",
            "Environment: CONVNET4J_CACHE, CONVNET4J_OFFLINE=1 (never download), CONVNET4J_WEIGHTS_MIRROR=URL/ (same"
                + " file names from a mirror), CONVNET4J_WEIGHTS_CATALOGUE=FILE.json (extra or replaced entries),"
                + " https_proxy / -Dhttps.proxyHost.",
            ""
        },
        subcommands = {WeightsCommand.ListCommand.class, WeightsCommand.FetchCommand.class},
        footer = {"", "Examples:", "  convnet4j weights list", "  convnet4j weights fetch resnet50:imagenet vgg16:keras",
            "  CONVNET4J_WEIGHTS_MIRROR=http://10.0.0.5/weights/ convnet4j predict --model resnet18:imagenet cat.jpg"})
final class WeightsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ErrorReporter.BAD_INPUT;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
            description = "The catalogue: name, file, parameters, preprocessing, and whether the file is cached.")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print the catalogue as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            ModelLoader.Options o = ModelLoader.Options.defaults();
            Downloads d = o.downloads();
            if (json) {
                JsonArray a = Json.parseArray(o.catalogue().toJson(), "catalogue");
                for (int i = 0; i < a.size(); i++) {
                    JsonObject e = a.get(i).getAsJsonObject();
                    Path f = d.cached(e.get("file").getAsString());
                    e.addProperty("cached", Files.isRegularFile(f) ? f.toString() : null);
                }
                JsonObject root = new JsonObject();
                root.addProperty("cache", d.config().weightsDir().toString());
                root.add("entries", a);
                out.println(Json.toPretty(root));
                return 0;
            }
            out.println("cache: " + d.config().weightsDir() + (d.config().offline() ? " (offline)" : "")
                    + (d.config().mirror() != null ? ", mirror " + d.config().mirror() : ""));
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"NAME", "FILE", "PARAMS", "PREPROCESSING", "CACHED"});
            for (WeightsCatalogue.Entry e : o.catalogue().entries()) {
                Path f = d.cached(e.file());
                String cached = Files.isRegularFile(f) ? String.format(Locale.ROOT, "%.1f MB", Files.size(f) / 1e6)
                        : e.loadable() ? "-" : "- (not loadable)";
                rows.add(new String[] {e.name() + (e.aliases().isEmpty() ? "" : " (" + String.join(", ", e.aliases()) + ")"),
                    e.file(), e.parameters() > 0 ? String.format(Locale.ROOT, "%.1fM", e.parameters() / 1e6) : "?",
                    e.preprocessing().length() > 20 ? "custom" : e.preprocessing(), cached});
            }
            int[] w = new int[5];
            for (String[] r : rows) {
                for (int i = 0; i < w.length; i++) {
                    w[i] = Math.max(w[i], r[i].length());
                }
            }
            for (String[] r : rows) {
                out.printf(Locale.ROOT, "%-" + w[0] + "s  %-" + w[1] + "s  %" + w[2] + "s  %-" + w[3] + "s  %s%n",
                        (Object[]) r);
            }
            return 0;
        }
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
            description = "Download and verify catalogued files (or http(s) URLs) into the cache; prints their paths.")
    static final class FetchCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "NAME|URL", description = "Catalogued names or URLs.")
        List<String> names;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (ModelArgument.DownloadBar bar = new ModelArgument.DownloadBar(System.err)) {
                ModelLoader.Options o = ModelLoader.Options.defaults().withProgress(bar);
                for (String n : names) {
                    try {
                        out.println(ModelLoader.resolve(n, o).file());
                    } catch (IllegalArgumentException e) {
                        throw new BadInputException(e.getMessage(), e);
                    }
                }
            }
            return 0;
        }
    }
}
