package org.convnet4j.internal.json;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * JSON text in and out, with one configuration for the whole project: HTML characters are not escaped
 * (the text is for people and files, not web pages) and NaN/Infinity are allowed, because a metrics history
 * may contain a diverged loss and saving it must not fail. They are written as the bare words {@code NaN},
 * {@code Infinity}, {@code -Infinity} (which Python's json module also reads); parsed back, they become
 * primitives whose {@code getAsDouble()} gives the value again, though such a primitive does not
 * {@code equals} the original number.
 *
 * <p>Internal: Gson types stay inside convnet4j; public methods take and return JSON text.
 */
public final class Json {
    private static final Gson COMPACT = new GsonBuilder()
            .disableHtmlEscaping()
            .serializeSpecialFloatingPointValues()
            .create();
    private static final Gson PRETTY = new GsonBuilder()
            .disableHtmlEscaping()
            .serializeSpecialFloatingPointValues()
            .setPrettyPrinting()
            .create();

    private Json() {
    }

    /** One line, for storing. */
    public static String toCompact(JsonElement json) {
        return COMPACT.toJson(json);
    }

    /** Indented, for showing to a person. */
    public static String toPretty(JsonElement json) {
        return PRETTY.toJson(json);
    }

    /** Any object Gson can map (records, lists, maps) as a JSON tree. */
    public static JsonElement toTree(Object value) {
        return COMPACT.toJsonTree(value);
    }

    /**
     * Deepest nesting of arrays and objects accepted from a file. Real descriptions nest a few levels per
     * sub-model (tens in all); everything that walks a description (Gson's trees, model specs) recurses, so a
     * file nesting 10,000 deep would otherwise end in a StackOverflowError.
     */
    public static final int MAX_DEPTH = 256;

    /** Refuses {@code text} if its arrays and objects nest deeper than {@code max}; a linear scan, no recursion. */
    public static void requireDepthAtMost(String text, int max, String what) {
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                if (++depth > max) {
                    throw new IllegalArgumentException(what + " nests arrays and objects more than " + max
                            + " deep (a corrupt or hostile file)");
                }
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
    }

    /** Parses any JSON value; {@code what} names the source in the error message. */
    public static JsonElement parse(String text, String what) {
        requireDepthAtMost(text, MAX_DEPTH, what);
        try {
            return JsonParser.parseString(text);
        } catch (JsonParseException ex) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + ex.getMessage(), ex);
        }
    }

    /** Parses text that must be a JSON array; {@code what} names the source in the error message. */
    public static com.google.gson.JsonArray parseArray(String text, String what) {
        JsonElement e = parse(text, what);
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException(what + " is not a JSON array");
        }
        return e.getAsJsonArray();
    }

    /**
     * Parses text that must be a JSON object; {@code what} names the source in the error message,
     * e.g. "model.c4j: metadata 'convnet4j'".
     */
    public static JsonObject parseObject(String text, String what) {
        requireDepthAtMost(text, MAX_DEPTH, what);
        JsonElement e;
        try {
            e = JsonParser.parseString(text);
        } catch (JsonParseException ex) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + ex.getMessage(), ex);
        }
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException(what + " is not a JSON object");
        }
        return e.getAsJsonObject();
    }
}
