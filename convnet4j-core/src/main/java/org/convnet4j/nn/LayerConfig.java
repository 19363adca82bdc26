package org.convnet4j.nn;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed reading of a layer's {@link Layer#config()} map as it comes back from JSON: numbers may be any
 * {@link Number} (a JSON parser gives Double for 3), lists any {@link List}. Every read marks its key as used,
 * so {@link #requireAllUsed()} can reject a misspelt or unknown key instead of silently ignoring it.
 */
public final class LayerConfig {
    private final String type;
    private final Map<String, Object> map;
    private final Set<String> used = new HashSet<>();

    public LayerConfig(String type, Map<String, Object> map) {
        this.type = type;
        this.map = map == null ? Map.of() : map;
    }

    public boolean has(String key) {
        return map.containsKey(key);
    }

    public int intValue(String key) {
        return toInt(key, require(key));
    }

    public int intValue(String key, int fallback) {
        return has(key) ? intValue(key) : mark(key, fallback);
    }

    public long longValue(String key, long fallback) {
        if (!has(key)) {
            return mark(key, fallback);
        }
        Object v = require(key);
        if (!(v instanceof Number) || ((Number) v).doubleValue() != Math.rint(((Number) v).doubleValue())) {
            throw bad(key, v, "a whole number");
        }
        return v instanceof Double || v instanceof Float ? (long) ((Number) v).doubleValue() : ((Number) v).longValue();
    }

    public double doubleValue(String key) {
        Object v = require(key);
        if (!(v instanceof Number)) {
            throw bad(key, v, "a number");
        }
        return ((Number) v).doubleValue();
    }

    public double doubleValue(String key, double fallback) {
        return has(key) ? doubleValue(key) : mark(key, fallback);
    }

    public boolean boolValue(String key, boolean fallback) {
        if (!has(key)) {
            return mark(key, fallback);
        }
        Object v = require(key);
        if (!(v instanceof Boolean)) {
            throw bad(key, v, "true or false");
        }
        return (Boolean) v;
    }

    public String string(String key, String fallback) {
        if (!has(key)) {
            return mark(key, fallback);
        }
        Object v = require(key);
        if (!(v instanceof String)) {
            throw bad(key, v, "a string");
        }
        return (String) v;
    }

    /** A list of whole numbers; a single number counts as a list of {@code expected} copies of it. */
    public int[] ints(String key, int expected) {
        Object v = require(key);
        int[] out = new int[expected];
        if (v instanceof Number) {
            java.util.Arrays.fill(out, toInt(key, v));
            return out;
        }
        if (!(v instanceof List) || ((List<?>) v).size() != expected) {
            throw bad(key, v, "a list of " + expected + " whole numbers");
        }
        List<?> l = (List<?>) v;
        for (int i = 0; i < expected; i++) {
            out[i] = toInt(key, l.get(i));
        }
        return out;
    }

    /** A list of whole numbers of any length (a shape, per-axis pads). */
    public int[] intArray(String key) {
        List<Integer> l = intList("layer type " + type + ": config key '" + key + "'", require(key));
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = l.get(i);
        }
        return out;
    }

    /** A list of numbers of any length (interpolation weights). */
    public float[] floatArray(String key) {
        Object v = require(key);
        if (!(v instanceof List<?> l) || l.stream().anyMatch(e -> !(e instanceof Number))) {
            throw bad(key, v, "a list of numbers");
        }
        float[] out = new float[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).floatValue();
        }
        return out;
    }

    /** A list of lists of whole numbers, e.g. a connection table; the inner lists may differ in length. */
    public int[][] intLists(String key) {
        Object v = require(key);
        String what = "layer type " + type + ": config key '" + key + "'";
        if (!(v instanceof List)) {
            throw bad(key, v, "a list of lists of whole numbers");
        }
        List<?> outer = (List<?>) v;
        int[][] out = new int[outer.size()][];
        for (int i = 0; i < out.length; i++) {
            List<Integer> row = intList(what + " entry " + i, outer.get(i));
            out[i] = row.stream().mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    public int[] ints(String key, int expected, int... fallback) {
        return has(key) ? ints(key, expected) : mark(key, fallback);
    }

    /** Fails naming the layer type and the keys that no reader asked for. */
    public void requireAllUsed() {
        Set<String> unknown = new TreeSet<>(map.keySet());
        unknown.removeAll(used);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("layer type " + type + ": unknown config key(s) " + unknown
                    + "; known: " + new TreeSet<>(used));
        }
    }

    /** Converts a JSON value to a list of whole numbers (shapes); {@code what} names it in messages. */
    public static List<Integer> intList(String what, Object v) {
        if (!(v instanceof List)) {
            throw new IllegalArgumentException(what + ": expected a list of whole numbers, got " + v);
        }
        List<Integer> out = new ArrayList<>();
        for (Object o : (List<?>) v) {
            out.add(toInt(what, o, what));
        }
        return out;
    }

    private Object require(String key) {
        used.add(key);
        if (!map.containsKey(key) || map.get(key) == null) {
            throw new IllegalArgumentException("layer type " + type + ": config key '" + key + "' is missing");
        }
        return map.get(key);
    }

    private <T> T mark(String key, T fallback) {
        used.add(key);
        return fallback;
    }

    private int toInt(String key, Object v) {
        return toInt(key, v, "layer type " + type + ": config key '" + key + "'");
    }

    private static int toInt(String key, Object v, String where) {
        if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
                return (int) d;
            }
        }
        throw new IllegalArgumentException(where + ": expected a whole number, got " + v);
    }

    private IllegalArgumentException bad(String key, Object v, String want) {
        return new IllegalArgumentException("layer type " + type + ": config key '" + key + "' must be " + want
                + ", got " + v);
    }
}
