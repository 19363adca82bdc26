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
                + " CONVNET4J_DOWNLOAD_TIMEOUT=SECONDS, CONVNET4J_PROGRESS=bar|lines|none (default: a bar at a terminal,"
                + " lines in a log), https_proxy / -Dhttps.proxyHost, -Djavax.net.ssl.trustStore=FILE (a private"
                + " certificate authority; in CONVNET4J_JAVA_OPTS).",
            ""
        },
        subcommands = {WeightsCommand.ListCommand.class, WeightsCommand.FetchCommand.class,
            WeightsCommand.RemoveCommand.class},
        footer = {"", "Examples:", "  convnet4j weights list", "  convnet4j weights fetch resnet50:imagenet vgg16:keras",
            "  convnet4j weights remove vgg16:keras https://example.org/models/model.pth",
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
            description = "The catalogue: name, file, parameters, approximate file size, preprocessing, and whether the"
                + " file is cached; then the files fetched from other URLs (weights/urls/): URL, size, SHA-256, format,"
                + " and interrupted downloads.")
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
                JsonArray urls = new JsonArray();
                for (Downloads.CachedFile c : d.urlDownloads()) {
                    urls.add(json(c));
                }
                root.add("url_downloads", urls);
                out.println(Json.toPretty(root));
                return 0;
            }
            out.println("cache: " + d.config().weightsDir() + (d.config().offline() ? " (offline)" : "")
                    + (d.config().mirror() != null ? ", mirror " + d.config().mirror() : ""));
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"NAME", "FILE", "PARAMS", "SIZE", "PREPROCESSING", "CACHED"});
            for (WeightsCatalogue.Entry e : o.catalogue().entries()) {
                Path f = d.cached(e.file());
                String cached = Files.isRegularFile(f) ? String.format(Locale.ROOT, "%.1f MB", Files.size(f) / 1e6)
                        : e.loadable() ? "-" : "- (not loadable)";
                rows.add(new String[] {e.name() + (e.aliases().isEmpty() ? "" : " (" + String.join(", ", e.aliases()) + ")"),
                    e.file(), e.parameters() > 0 ? String.format(Locale.ROOT, "%.1fM", e.parameters() / 1e6) : "?",
                    e.sizeMib() > 0 ? String.format(Locale.ROOT, "~%.1f MiB", e.sizeMib()) : "?",
                    e.preprocessing().length() > 20 ? "custom" : e.preprocessing(), cached});
            }
            int[] w = new int[6];
            for (String[] r : rows) {
                for (int i = 0; i < w.length; i++) {
                    w[i] = Math.max(w[i], r[i].length());
                }
            }
            for (String[] r : rows) {
                out.printf(Locale.ROOT, "%-" + w[0] + "s  %-" + w[1] + "s  %" + w[2] + "s  %" + w[3] + "s  %-" + w[4]
                        + "s  %s%n", (Object[]) r);
            }
            out.println("SIZE: the published approximate size (torchvision's model metadata, Keras' downloads); the"
                    + " checksum, not the size, decides; see --json for each size's source");
            printUrlDownloads(out, d);
            return 0;
        }

        private static void printUrlDownloads(PrintWriter out, Downloads d) throws java.io.IOException {
            List<Downloads.CachedFile> files = d.urlDownloads();
            out.println();
            out.println("fetched from other URLs (" + d.config().weightsDir().resolve("urls") + "): "
                    + (files.isEmpty() ? "none" : files.size()));
            if (files.isEmpty()) {
                return;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"FILE", "SIZE", "FORMAT", "SHA-256", "URL"});
            for (Downloads.CachedFile c : files) {
                rows.add(new String[] {c.file().getFileName().toString(), c.partial()
                        ? String.format(Locale.ROOT, "%.1f MB so far", c.size() / 1e6)
                        : String.format(Locale.ROOT, "%.1f MB", c.size() / 1e6), c.format(),
                    c.partial() ? "(interrupted download: the next fetch of its URL resumes it)" : c.sha256(),
                    c.url() != null ? c.url() : "(not recorded: " + d.config().weightsDir().relativize(c.file()) + ")"});
            }
            int[] w = new int[4];
            for (String[] r : rows) {
                for (int i = 0; i < w.length; i++) {
                    w[i] = Math.max(w[i], r[i].length());
                }
            }
            for (String[] r : rows) {
                out.printf(Locale.ROOT, "%-" + w[0] + "s  %" + w[1] + "s  %-" + w[2] + "s  %-" + w[3] + "s  %s%n",
                        (Object[]) r);
            }
            out.println("use one by its URL wherever a model file is accepted: predict/evaluate/summary/import/infer"
                    + " --model URL, transfer --base URL, serve NAME=URL (read from the cache, also with"
                    + " CONVNET4J_OFFLINE=1); free the space with: convnet4j weights remove URL");
            if (files.stream().anyMatch(c -> c.url() == null)) {
                out.println("(not recorded): downloaded before convnet4j kept each file's URL, or copied in by hand;"
                        + " its SHA-256 was computed now");
            }
        }
    }

    static JsonObject json(Downloads.CachedFile c) {
        JsonObject o = new JsonObject();
        o.addProperty("url", c.url());
        o.addProperty("path", c.file().toString());
        o.addProperty("size", c.size());
        o.addProperty("partial", c.partial());
        o.addProperty("format", c.format());
        if (!c.partial()) {
            o.addProperty("sha256", c.sha256());
            o.addProperty("recorded", c.recorded());
            o.addProperty("verified", c.verified());
            o.addProperty("downloaded", c.downloaded() == null ? null : c.downloaded().toString());
        }
        if (c.fetchedFrom() != null && !c.fetchedFrom().equals(c.url())) {
            o.addProperty("fetched_from", c.fetchedFrom());
        }
        return o;
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
            description = {"Delete cached files: catalogued names (resnet50:imagenet), URLs fetched before, or --urls"
                + " for every file fetched from a URL outside the catalogue; interrupted downloads and the files' records"
                + " go too. Prints each file removed and the space freed.",
                "A name or URL that is not cached is reported and skipped (exit 0); something that is neither a"
                + " catalogued name nor an http(s) URL is an error (exit 2) and nothing is removed."})
    static final class RemoveCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..*", paramLabel = "NAME|URL", description = "Catalogued names or URLs.")
        List<String> names = new ArrayList<>();

        @Option(names = "--urls", description = "Also remove every file fetched from a URL outside the catalogue.")
        boolean urls;

        @Override
        public Integer call() throws Exception {
            if (names.isEmpty() && !urls) {
                throw new BadInputException("name the files to remove (catalogued names or URLs), or give --urls");
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ModelLoader.Options o = ModelLoader.Options.defaults();
            Downloads d = o.downloads();
            List<Path> targets = new ArrayList<>();
            for (String n : names) {
                targets.add(where(n, o)); // every argument checked before anything is deleted
            }
            if (urls) {
                for (Downloads.CachedFile c : d.urlDownloads()) {
                    Path t = c.partial() ? c.file().resolveSibling(c.file().getFileName().toString()
                            .replaceFirst("\\.part$", "")) : c.file();
                    if (!targets.contains(t)) {
                        targets.add(t);
                    }
                }
            }
            long total = 0;
            for (int i = 0; i < targets.size(); i++) {
                Path t = targets.get(i);
                long freed = d.remove(t);
                String what = i < names.size() ? names.get(i) : t.toString();
                if (freed == 0 && !Files.exists(t)) {
                    err.println("weights remove: " + what + ": not in the cache (" + t + "), nothing removed");
                } else {
                    out.printf(Locale.ROOT, "removed %s (%.1f MB)%n", t, freed / 1e6);
                }
                total += freed;
            }
            out.printf(Locale.ROOT, "freed %.1f MB%n", total / 1e6);
            return 0;
        }

        /** Where {@code reference} is cached, as a download of it would put it ({@link ModelLoader#cachedPath}). */
        private static Path where(String reference, ModelLoader.Options o) throws java.io.IOException {
            try {
                return ModelLoader.cachedPath(reference, o);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage(), e);
            }
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
