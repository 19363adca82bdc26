package org.convnet4j.io.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.convnet4j.internal.json.Json;

/**
 * What the weights cache holds, as one JSON document (what {@code convnet4j weights list --json} prints): the cache
 * folder; the other frameworks' caches consulted (torchvision's, Keras'); each catalogue entry with where its file is
 * cached (null if not) and any copies of it found in the other caches; and the files fetched from other URLs
 * ({@code weights/urls/}) with their size, format, SHA-256 and URL, interrupted downloads included.
 *
 * <pre>{@code
 * ModelLoader.Options o = ModelLoader.Options.defaults();
 * String report = CacheReport.json(o.catalogue(), o.downloads());
 * }</pre>
 *
 * <p>{@link #text} gives the same as the table {@code convnet4j weights list} prints.
 */
public final class CacheReport {
    private CacheReport() {
    }

    /** The report as pretty-printed JSON: keys cache, other_caches, entries, url_downloads. */
    public static String json(WeightsCatalogue catalogue, Downloads d) throws IOException {
        JsonArray a = Json.parseArray(catalogue.toJson(), "catalogue");
        for (int i = 0; i < a.size(); i++) {
            JsonObject e = a.get(i).getAsJsonObject();
            Path f = d.cached(e.get("file").getAsString());
            e.addProperty("cached", Files.isRegularFile(f) ? f.toString() : null);
            JsonArray elsewhere = new JsonArray();
            for (var found : d.inOtherCaches(e.get("file").getAsString())) {
                JsonObject x = new JsonObject();
                x.addProperty("framework", found.getKey().framework());
                x.addProperty("path", found.getValue().toString());
                x.addProperty("size", Files.size(found.getValue()));
                elsewhere.add(x);
            }
            e.add("in_other_caches", elsewhere);
        }
        JsonObject root = new JsonObject();
        root.addProperty("cache", d.config().weightsDir().toString());
        JsonArray others = new JsonArray();
        for (Downloads.OtherCache c : d.otherCaches()) {
            JsonObject x = new JsonObject();
            x.addProperty("framework", c.framework());
            x.addProperty("setting", c.setting());
            x.addProperty("dir", c.dir().toString());
            x.addProperty("exists", Files.isDirectory(c.dir()));
            others.add(x);
        }
        root.add("other_caches", others);
        root.add("entries", a);
        JsonArray urls = new JsonArray();
        for (Downloads.CachedFile c : d.urlDownloads()) {
            urls.add(json(c));
        }
        root.add("url_downloads", urls);
        return Json.toPretty(root);
    }

    private static JsonObject json(Downloads.CachedFile c) {
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

    /**
     * The report as the text {@code convnet4j weights list} prints: the cache and the other caches consulted, a
     * table of the catalogue (name, file, parameters, published size, preprocessing, cached copies), then the files
     * fetched from other URLs (size, format, SHA-256, URL, interrupted downloads).
     */
    public static String text(WeightsCatalogue catalogue, Downloads d) throws IOException {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
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
        for (WeightsCatalogue.Entry e : catalogue.entries()) {
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
        urlDownloads(out, d);
        out.flush();
        return text.toString();
    }

    private static void urlDownloads(PrintWriter out, Downloads d) throws IOException {
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
