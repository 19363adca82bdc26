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
            throw new IllegalArgumentException(what + " is not valid JSON: " + syntaxError(ex), ex);
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
            throw new IllegalArgumentException(what + " is not valid JSON: " + syntaxError(ex), ex);
        }
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException(what + " is not a JSON object");
        }
        return e.getAsJsonObject();
    }

    /**
     * Gson's account of a syntax error in our words, on one line and safe for a terminal: "the array is not closed at
     * line 1, column 20" rather than "com.google.gson.stream.MalformedJsonException: Unterminated array at line 1
     * column 20 path $.data[3]" and a troubleshooting link. Gson's path and its advice to programmers (its lenient
     * mode) are left out: the line and column say where, for a person with the file in an editor. Gson may quote the
     * file's text (a malformed escape), hence the escaping.
     */
    public static String syntaxError(Throwable e) {
        Throwable t = e;
        while (t instanceof JsonParseException && t.getCause() != null) { // JsonSyntaxException wraps the reader's
            t = t.getCause();
        }
        String m = String.valueOf(t.getMessage()).lines().findFirst().orElse("");
        int path = m.lastIndexOf(" path $");
        if (path >= 0) {
            m = m.substring(0, path);
        }
        m = m.replaceFirst(" at line (\\d+) column (\\d+)$", " at line $1, column $2");
        java.util.regex.Matcher expected = java.util.regex.Pattern.compile("^Expected (?:an? )?(\\S+) but was (\\S+)(.*)$")
                .matcher(m);
        if (expected.matches()) {
            m = "expected " + token(expected.group(1)) + " but found " + token(expected.group(2)) + expected.group(3);
        } else {
            m = m.replaceFirst("^Unterminated (array|object|string|comment|escape sequence)", "the $1 is not closed")
                    .replaceFirst("^End of input", "the text ends too early")
                    .replaceFirst("^Expected name", "a key in double quotes is expected")
                    .replaceFirst("^Expected ':'", "a colon after the key is expected")
                    .replaceFirst("^Expected value", "a value is expected")
                    .replaceFirst("^Unexpected value", "unexpected text")
                    .replaceFirst("^Use JsonReader\\.setStrictness\\([^)]*\\) to accept malformed JSON", "malformed JSON")
                    .replaceFirst("^JSON forbids NaN and infinities", "NaN and infinities are not JSON numbers");
        }
        if (!m.isEmpty()) {
            m = Character.toLowerCase(m.charAt(0)) + m.substring(1);
        }
        return org.convnet4j.util.TerminalText.escape(m.replace("\n", "\\n").replace("\r", "\\r"));
    }

    /** A token of Gson's JsonToken (or the type a reader method wanted: "a long") as a person would say it. */
    private static String token(String gson) {
        return switch (gson) {
            case "BEGIN_OBJECT" -> "an object";
            case "BEGIN_ARRAY" -> "an array";
            case "END_OBJECT" -> "the end of an object";
            case "END_ARRAY" -> "the end of an array";
            case "NAME" -> "a key";
            case "STRING" -> "a string";
            case "NUMBER", "long", "int", "double" -> "a number";
            case "BOOLEAN", "boolean" -> "true or false";
            case "NULL" -> "null";
            case "END_DOCUMENT" -> "the end of the text";
            default -> gson;
        };
    }
}
