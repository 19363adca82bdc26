package org.convnet4j.io.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
