package org.convnet4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.convnet4j.io.weights.DownloadBar;
import org.convnet4j.io.weights.ModelLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The weights catalogue and the download cache. */
@Command(name = "weights", resourceBundle = "org.convnet4j.cli.help.weights",
        header = "Published ImageNet weights: list the catalogue and the cache, fetch files ahead of time.",
        description = {
            "Catalogued names (resnet50:imagenet, vgg16:keras, ...) work wherever a model file does: predict, evaluate,"
                + " import, summary, infer, transfer --base. Files are downloaded once, verified (SHA-256 prefix in"
                + " torchvision's names, Keras' MD5) and kept in $CONVNET4J_CACHE/weights (default"
                + " ~/.cache/convnet4j/weights). Before downloading, torchvision's cache ($TORCH_HOME/hub/checkpoints,"
                + " default ~/.cache/torch) and Keras' ($KERAS_HOME/models, default ~/.keras) are consulted: a copy"
                + " whose checksum matches is copied in instead (weights list shows what each cache holds).",
            "Environment: CONVNET4J_CACHE, CONVNET4J_OFFLINE=1 (never download), CONVNET4J_WEIGHTS_MIRROR=URL/ (same"
                + " file names from a mirror), CONVNET4J_WEIGHTS_CATALOGUE=FILE.json (extra or replaced entries),"
                + " TORCH_HOME, KERAS_HOME, XDG_CACHE_HOME,"
                + " CONVNET4J_DOWNLOAD_TIMEOUT=SECONDS, CONVNET4J_PROGRESS=bar|lines|none (default: a bar at a terminal,"
                + " lines in a log), https_proxy / -Dhttps.proxyHost, -Djavax.net.ssl.trustStore=FILE (a private"
                + " certificate authority; in CONVNET4J_JAVA_OPTS).",
            ""
        },
        subcommands = {WeightsListCommand.class, WeightsCommand.FetchCommand.class,
            WeightsCommand.RemoveCommand.class},
        footer = {"", "Examples:", "  convnet4j weights list", "  convnet4j weights fetch resnet50:imagenet vgg16:keras",
            "  convnet4j weights remove vgg16:keras https://example.org/models/model.pth",
            "  CONVNET4J_WEIGHTS_MIRROR=http://10.0.0.5/weights/ convnet4j predict --model resnet18:imagenet cat.jpg"})
final class WeightsCommand extends CliCommand {
    @Command(name = "remove", resourceBundle = "org.convnet4j.cli.help.weights-remove")
    static final class RemoveCommand extends CliCommand {
        @Parameters(arity = "0..*", paramLabel = "NAME|URL")
        List<String> names = new ArrayList<>();

        @Option(names = "--urls")
        boolean urls;

        @Override
        public Integer call() throws Exception {
            if (names.isEmpty() && !urls) {
                throw new BadInputException("name the files to remove (catalogued names or URLs), or give --urls");
            }
            PrintWriter out = out();
            PrintWriter err = err();
            long total = 0;
            for (ModelLoader.Removal r : ModelLoader.removeFromCache(names, urls, ModelLoader.Options.defaults())) {
                if (r.wasCached()) {
                    out.printf(Locale.ROOT, "removed %s (%.1f MB)%n", r.file(), r.freedBytes() / 1e6);
                } else {
                    err.println("weights remove: " + r.reference() + ": not in the cache (" + r.file()
                            + "), nothing removed");
                }
                total += r.freedBytes();
            }
            out.printf(Locale.ROOT, "freed %.1f MB%n", total / 1e6);
            return 0;
        }
    }

    @Command(name = "fetch", resourceBundle = "org.convnet4j.cli.help.weights-fetch")
    static final class FetchCommand extends CliCommand {
        @Parameters(arity = "1..*", paramLabel = "NAME|URL")
        List<String> names;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = out();
            try (DownloadBar bar = ModelArgument.downloadBar()) {
                ModelLoader.Options o = ModelLoader.Options.defaults().withProgress(bar);
                for (String n : names) {
                    out.println(ModelLoader.resolve(n, o).file());
                }
            }
            return 0;
        }
    }
}
