package org.convnet4j.serve;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.convnet4j.io.weights.WeightsCatalogue;

/**
 * The names models are served under: {@code NAME=REFERENCE} as given, or a bare reference (a file, an http(s) URL or a
 * catalogue name) under a default name, as TorchServe and DJL name a model after its archive. Bad names are
 * {@link IllegalArgumentException}s of one line, found before any model is read.
 */
public final class ServedModelNames {

    /** The names {@link ModelServer} serves: they appear in URL paths and metric labels unescaped. */
    static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private ServedModelNames() {
    }

    /** Whether {@code name} may name a served model (letters, digits, '.', '_', '-'; at most 64; no leading punctuation). */
    public static boolean isValid(String name) {
        return VALID.matcher(name).matches();
    }

    /**
     * Model arguments ({@code NAME=REFERENCE} or {@code REFERENCE}; an existing file whose path has a '=' is a file) as
     * name -> reference, in order. A name given twice, two models with the same default name, or a default name that
     * is not {@link #isValid valid} is one line naming the argument and asking for NAME=FILE.
     */
    public static Map<String, String> named(List<String> arguments) {
        Map<String, String> named = new LinkedHashMap<>();
        Map<String, Boolean> byDefault = new LinkedHashMap<>();
        for (String m : arguments) {
            int eq = m.indexOf('=');
            boolean explicit = eq >= 0 && !isFile(m);
            if (explicit && (eq < 1 || eq == m.length() - 1)) {
                throw new IllegalArgumentException("--model " + m + ": expected NAME=FILE or FILE");
            }
            String name = explicit ? m.substring(0, eq) : defaultName(m);
            String reference = explicit ? m.substring(eq + 1) : m;
            if (!explicit && !isValid(name)) {
                throw new IllegalArgumentException("--model " + m + ": its default name '" + name + "' is not a model"
                        + " name (letters, digits, '.', '_' or '-'): give one as NAME=FILE");
            }
            if (named.containsKey(name)) {
                throw new IllegalArgumentException("--model " + m + ": the name " + name + " is given twice"
                        + (!explicit || byDefault.get(name) ? " (a FILE's default name is its base name without"
                        + " extension): name them with NAME=FILE" : ""));
            }
            named.put(name, reference);
            byDefault.put(name, !explicit);
        }
        return named;
    }

    /**
     * {@code option}'s {@code NAME=VALUE} arguments by NAME, each NAME one of the served models' {@code names} (the keys
     * of {@link #named}), checked before any model is read: an unknown or repeated NAME, or no VALUE, is one line naming
     * the option and the argument.
     */
    public static Map<String, String> perModel(String option, List<String> values, List<String> names) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (String v : values) {
            int eq = v.indexOf('=');
            String name = eq > 0 ? v.substring(0, eq) : "";
            if (!names.contains(name) || eq == v.length() - 1) {
                throw new IllegalArgumentException(option + " " + v + ": expected NAME=SPEC, NAME one of the served"
                        + " models (" + String.join(", ", names) + ")");
            }
            if (byName.put(name, v.substring(eq + 1)) != null) {
                throw new IllegalArgumentException(option + " " + v + ": model " + name + " is given twice");
            }
        }
        return byName;
    }

    /**
     * The name a bare reference is served under: a file's (or an http(s) URL's last segment's) base name without its
     * extension ({@code models/lenet5.c4j} -> {@code lenet5}); a catalogue name stays itself, its ':' written '-' as
     * model names have no ':' ({@code resnet18:imagenet} -> {@code resnet18-imagenet}).
     */
    public static String defaultName(String reference) {
        String ref = reference.strip();
        String lower = ref.toLowerCase(Locale.ROOT);
        boolean url = lower.startsWith("http://") || lower.startsWith("https://");
        if (!url && !isFile(ref) && WeightsCatalogue.looksLikeName(ref)) {
            return ref.replace(':', '-');
        }
        String base = ref;
        int q = base.indexOf('?');
        if (q >= 0 && url) {
            base = base.substring(0, q);
        }
        while (base.endsWith("/") || base.endsWith(File.separator)) {
            base = base.substring(0, base.length() - 1);
        }
        base = base.substring(Math.max(base.lastIndexOf('/'), base.lastIndexOf(File.separatorChar)) + 1);
        int dot = base.lastIndexOf('.');
        return dot > 0 ? base.substring(0, dot) : base;
    }

    /** Whether {@code s} names an existing file (false for what cannot be a path). */
    private static boolean isFile(String s) {
        try {
            return Files.exists(Path.of(s.strip()));
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
