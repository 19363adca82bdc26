package org.convnet4j.io.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.internal.json.Json;

/**
 * Published ImageNet weights by name: {@code resnet18:imagenet} is torchvision's {@code resnet18-f37072fd.pth},
 * {@code vgg16:keras} Keras' {@code vgg16_weights_tf_dim_ordering_tf_kernels.h5}, and so on (the resource
 * {@code catalogue.json} beside this class; {@code convnet4j weights list} prints it). Each entry has the official
 * URL, the checksum (the SHA-256 prefix in a torchvision file name, the MD5 Keras publishes), the parameter count,
 * the preprocessing and the class names the weights were trained with.
 *
 * <p>{@link #withOverrides} adds or replaces entries from a JSON file of the same form (property
 * {@code convnet4j.weights.catalogue} or variable {@code CONVNET4J_WEIGHTS_CATALOGUE}): for in-house weights, and for
 * tests, which serve files they made themselves and so cannot match the official checksums.
 */
public final class WeightsCatalogue {
    /** A reference that names a catalogue entry: {@code architecture:variant}. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*:[a-z0-9][a-z0-9_.-]*");
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

    /**
     * One file: {@code sha256} is a whole digest or (torchvision) a prefix of at least 8 hex digits; {@code md5}
     * a whole digest (Keras); {@code loadable} false for files catalogued for download that the zoo cannot load;
     * {@code sizeMib} the file's approximate size in MiB as published ({@code sizeSource} says where; 0 = unknown).
     * Sizes are for people (what a download will cost); the checksum, not the size, decides whether a file is right.
     * {@code md5Also}: other MD5 sums published for a file of the same name (Keras' ResNet-50 files had two
     * releases under one name); a file matching any of them is accepted. {@code classes}: {@value #IMAGENET}
     * (ImageNet's 1,000 classes), {@value #NO_CLASSES} (a file without its classifier) or {@value #LISTED}, the names
     * then in {@code classNames} (the JSON's {@code "classes"} as an array: in-house weights with classes of their own).
     */
    public record Entry(String name, List<String> aliases, String architecture, String source, String file, String url,
                        String sha256, String md5, long parameters, String preprocessing, String classes,
                        boolean batchNorm, boolean includeTop, boolean loadable, String note, double sizeMib,
                        String sizeSource, List<String> md5Also, List<String> classNames) {
        public Entry {
            md5Also = md5Also == null ? List.of() : List.copyOf(md5Also);
            classNames = classNames == null ? List.of() : List.copyOf(classNames);
        }

        /**
         * How many outputs a model read from this entry's file must have: 1,000 for ImageNet, the number of listed
         * names, or -1 (no classifier, nothing to check).
         */
        public int expectedOutputs() {
            return switch (classes) {
                case IMAGENET -> org.convnet4j.imagenet.ImageNet.CLASSES;
                case LISTED -> classNames.size();
                default -> -1;
            };
        }

        /** The checksum to verify before the file enters the cache. */
        public Checksum checksum() {
            return md5 != null ? new Checksum("MD5", md5, md5Also) : new Checksum("SHA-256", sha256);
        }
    }

    /** {@code "classes"} of an entry whose file has ImageNet's 1,000 outputs (the default). */
    public static final String IMAGENET = "imagenet";
    /** {@code "classes"} of an entry whose file has no classifier (Keras' "notop" files). */
    public static final String NO_CLASSES = "none";
    /** {@link Entry#classes()} of an entry that lists its class names (an array in the JSON). */
    public static final String LISTED = "listed";

    private final Map<String, Entry> byName;

    private WeightsCatalogue(Map<String, Entry> byName) {
        this.byName = byName;
    }

    /** The built-in catalogue. */
    public static WeightsCatalogue builtIn() {
        try (InputStream in = WeightsCatalogue.class.getResourceAsStream("catalogue.json")) {
            if (in == null) {
                throw new IllegalStateException("resource catalogue.json is missing from the convnet4j-io jar");
            }
            return new WeightsCatalogue(parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "catalogue.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This catalogue with the entries of {@code file} added (same names replace built-in ones). */
    public WeightsCatalogue withOverrides(Path file) throws IOException {
        if (file == null) {
            return this;
        }
        Map<String, Entry> m = new LinkedHashMap<>(byName);
        Map<String, Entry> extra = parse(Files.readString(file), file.toString());
        for (Entry e : extra.values()) {
            m.values().removeIf(old -> old.name().equals(e.name()) || e.aliases().contains(old.name()));
        }
        m.putAll(extra);
        return new WeightsCatalogue(m);
    }

    /** True if {@code reference} has the form of a catalogue name ({@code resnet18:imagenet}). */
    public static boolean looksLikeName(String reference) {
        return NAME.matcher(reference.toLowerCase(Locale.ROOT)).matches();
    }

    /** The entry called {@code name} (or having it as an alias), or null. */
    public Entry find(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        Entry e = byName.get(n);
        if (e != null) {
            return e;
        }
        for (Entry x : byName.values()) {
            if (x.aliases().contains(n)) {
                return x;
            }
        }
        return null;
    }

    /** The entry for {@code name}; fails listing the known names. */
    public Entry require(String name) {
        Entry e = find(name);
        if (e == null) {
            throw new IllegalArgumentException("'" + name + "' is neither a file nor a catalogued weight file; known: "
                    + String.join(", ", byName.keySet()) + " (convnet4j weights list)");
        }
        return e;
    }

    /** The entry whose official file name is {@code file}, or null. */
    public Entry byFile(String file) {
        for (Entry e : byName.values()) {
            if (e.file().equals(file)) {
                return e;
            }
        }
        return null;
    }

    /**
     * Whether {@code url} is in a directory the catalogue's files are published in (e.g.
     * {@code https://download.pytorch.org/models/}): a mirror of those locations serves it under the same file name.
     */
    public boolean isOfficialLocation(String url) {
        String dir = url.substring(0, url.lastIndexOf('/') + 1);
        for (Entry e : byName.values()) {
            if (e.url().startsWith(dir) && e.url().indexOf('/', dir.length()) < 0) {
                return true;
            }
        }
        return false;
    }

    public List<Entry> entries() {
        return List.copyOf(byName.values());
    }

    private static Map<String, Entry> parse(String text, String what) throws FileFormatException {
        JsonObject root;
        try {
            root = Json.parseObject(text, what);
        } catch (RuntimeException e) {
            throw new FileFormatException(what + ": not a weights catalogue (" + e.getMessage() + ")", e);
        }
        if (!root.has("entries") || !root.get("entries").isJsonArray()) {
            throw new FileFormatException(what + ": a weights catalogue needs an \"entries\" array");
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        for (JsonElement el : root.getAsJsonArray("entries")) {
            try {
                Entry e = entry(el.getAsJsonObject());
                out.put(e.name(), e);
            } catch (RuntimeException e) {
                throw new FileFormatException(what + ": entry " + el + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static Entry entry(JsonObject o) {
        String name = str(o, "name", null).toLowerCase(Locale.ROOT);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name '" + name + "' is not of the form architecture:variant");
        }
        List<String> aliases = new ArrayList<>();
        if (o.has("aliases")) {
            for (JsonElement a : o.getAsJsonArray("aliases")) {
                aliases.add(a.getAsString().toLowerCase(Locale.ROOT));
            }
        }
        String file = str(o, "file", null);
        if (!FILE.matcher(file).matches() || file.contains("..")) {
            throw new IllegalArgumentException("file '" + file + "' must be a plain file name");
        }
        String url = str(o, "url", null);
        if (!url.startsWith("https://") && !url.startsWith("http://")) {
            throw new IllegalArgumentException("url '" + url + "' is not http(s)");
        }
        String sha = str(o, "sha256", str(o, "sha256_prefix", null));
        String md5 = str(o, "md5", null);
        if (sha == null && md5 == null) {
            sha = Checksum.fromFileName(file) == null ? null : Checksum.fromFileName(file).hex();
        }
        if ((sha == null) == (md5 == null)) {
            throw new IllegalArgumentException("give exactly one of sha256 (or sha256_prefix, at least 8 hex digits) and"
                    + " md5");
        }
        if (sha != null && (sha.length() < 8 || sha.length() > 64 || !HEX.matcher(sha).matches())) {
            throw new IllegalArgumentException("sha256 '" + sha + "' is not 8 to 64 lower-case hex digits");
        }
        if (md5 != null && (md5.length() != 32 || !HEX.matcher(md5).matches())) {
            throw new IllegalArgumentException("md5 '" + md5 + "' is not 32 lower-case hex digits");
        }
        List<String> md5Also = new ArrayList<>();
        if (o.has("md5_also")) {
            for (JsonElement a : o.getAsJsonArray("md5_also")) {
                String h = a.getAsString();
                if (md5 == null || h.length() != 32 || !HEX.matcher(h).matches()) {
                    throw new IllegalArgumentException("md5_also '" + h + "' needs md5 and 32 lower-case hex digits");
                }
                md5Also.add(h);
            }
        }
        String arch = str(o, "architecture", null);
        List<String> names = new ArrayList<>();
        String classes = classes(o, names);
        return new Entry(name, List.copyOf(aliases), arch, str(o, "source", "custom"), file, url, sha, md5,
                o.has("parameters") ? o.get("parameters").getAsLong() : 0, str(o, "preprocessing", "torchvision"),
                classes, bool(o, "batch_norm", false), bool(o, "include_top", true),
                bool(o, "loadable", true), str(o, "note", null), sizeMib(o), str(o, "size_source", null), md5Also,
                names);
    }

    /** The entry's {@code "classes"}: "imagenet" (default), "none", or an array of names (into {@code names}). */
    private static String classes(JsonObject o, List<String> names) {
        if (!o.has("classes") || o.get("classes").isJsonNull()) {
            return IMAGENET;
        }
        JsonElement c = o.get("classes");
        if (c.isJsonArray()) {
            for (JsonElement n : c.getAsJsonArray()) {
                if (!n.isJsonPrimitive() || !n.getAsJsonPrimitive().isString() || n.getAsString().isBlank()) {
                    throw new IllegalArgumentException("\"classes\": every class name must be a non-empty string, not "
                            + n);
                }
                names.add(n.getAsString());
            }
            if (names.isEmpty()) {
                throw new IllegalArgumentException("\"classes\": an empty list (write \"none\" for a file without"
                        + " a classifier)");
            }
            return LISTED;
        }
        String v = c.isJsonPrimitive() ? c.getAsString() : c.toString();
        if (!v.equals(IMAGENET) && !v.equals(NO_CLASSES)) {
            throw new IllegalArgumentException("\"classes\": '" + v + "' is not \"imagenet\", \"none\" or a list of"
                    + " class names");
        }
        return v;
    }

    private static double sizeMib(JsonObject o) {
        if (!o.has("size_mib")) {
            return 0;
        }
        double v = o.get("size_mib").getAsDouble();
        if (!(v > 0) || v > 1e7) {
            throw new IllegalArgumentException("size_mib " + v + " is not a positive size in MiB");
        }
        return v;
    }

    private static String str(JsonObject o, String key, String fallback) {
        if (!o.has(key) || o.get(key).isJsonNull()) {
            if (fallback == null && (key.equals("name") || key.equals("file") || key.equals("url")
                    || key.equals("architecture"))) {
                throw new IllegalArgumentException("\"" + key + "\" is missing");
            }
            return fallback;
        }
        return o.get(key).getAsString();
    }

    private static boolean bool(JsonObject o, String key, boolean fallback) {
        return o.has(key) ? o.get(key).getAsBoolean() : fallback;
    }

    /** The catalogue as compact JSON text, an array of entries (for {@code weights list --json}). */
    public String toJson() {
        JsonArray a = new JsonArray();
        for (Entry e : byName.values()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", e.name());
            o.add("aliases", Json.toTree(e.aliases()));
            o.addProperty("architecture", e.architecture());
            o.addProperty("source", e.source());
            o.addProperty("file", e.file());
            o.addProperty("url", e.url());
            o.addProperty(e.md5() != null ? "md5" : "sha256", e.md5() != null ? e.md5() : e.sha256());
            if (!e.md5Also().isEmpty()) {
                o.add("md5_also", Json.toTree(e.md5Also()));
            }
            o.addProperty("parameters", e.parameters());
            if (e.sizeMib() > 0) {
                o.addProperty("size_mib", e.sizeMib());
                o.addProperty("size_source", e.sizeSource());
            }
            o.addProperty("preprocessing", e.preprocessing());
            if (e.classes().equals(LISTED)) {
                o.add("classes", Json.toTree(e.classNames()));
            } else {
                o.addProperty("classes", e.classes());
            }
            o.addProperty("loadable", e.loadable());
            a.add(o);
        }
        return Json.toCompact(a);
    }
}
