package org.convnet4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.convnet4j.io.weights.CacheReport;
import org.convnet4j.io.weights.Downloads;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.io.weights.WeightsCatalogue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code convnet4j weights list}: the catalogue and the download cache (a subcommand of {@link WeightsCommand}). */
@Command(name = "list", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = {"The catalogue: name, file, parameters, approximate file size, preprocessing, and where the"
            + " file is cached; then the files fetched from other URLs (weights/urls/): URL, size, SHA-256, format,"
            + " and interrupted downloads.",
            "Caches consulted for a catalogued file, in this order: convnet4j's ($CONVNET4J_CACHE/weights),"
            + " torchvision's ($TORCH_HOME/hub/checkpoints; default $XDG_CACHE_HOME/torch or ~/.cache/torch) and"
            + " Keras' ($KERAS_HOME/models; default ~/.keras). A copy found in torchvision's or Keras' cache is"
            + " copied into convnet4j's when first needed, if its checksum matches (no download, also offline);"
            + " the CACHED column says where each file is."})
final class WeightsListCommand implements Callable<Integer> {
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
            out.println(CacheReport.json(o.catalogue(), d));
            return 0;
        }
        out.println("cache: " + d.config().weightsDir() + (d.config().offline() ? " (offline)" : "")
                + (d.config().mirror() != null ? ", mirror " + d.config().mirror() : ""));
        out.println("also consulted for catalogued files, before any download and also offline (a copy is used only"
                + " if its checksum matches, and is then copied into the cache above):");
        for (Downloads.OtherCache c : d.otherCaches()) {
            out.println("  " + c.framework() + " (" + c.setting() + "): " + c.dir()
                    + (Files.isDirectory(c.dir()) ? "" : " (not there)"));
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "FILE", "PARAMS", "SIZE", "PREPROCESSING", "CACHED"});
        for (WeightsCatalogue.Entry e : o.catalogue().entries()) {
            Path f = d.cached(e.file());
            String cached = Files.isRegularFile(f) ? String.format(Locale.ROOT, "%.1f MB", Files.size(f) / 1e6)
                    : e.loadable() ? "-" : "- (not loadable)";
            for (var found : d.inOtherCaches(e.file())) {
                cached += String.format(Locale.ROOT, "; %s: %.1f MB", found.getKey().possessive(),
                        Files.size(found.getValue()) / 1e6);
            }
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
        out.println("CACHED: the size of convnet4j's copy (- if none); \"torchvision's\"/\"Keras'\": a file of that name"
                + " in their cache, not yet checked (its checksum decides when it is first needed)");
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
