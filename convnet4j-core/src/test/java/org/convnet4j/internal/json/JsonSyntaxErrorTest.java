package org.convnet4j.internal.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * JSON a person wrote (a catalogue of weights, a model's description, a JSON tensor, a safetensors header) that does
 * not parse is told in our words: where (line and column) and what, without Gson's exception class, token names,
 * JSONPath or troubleshooting link, on one line that a terminal cannot act on.
 */
class JsonSyntaxErrorTest {
    private static String refusal(String text) {
        return assertThrows(IllegalArgumentException.class, () -> Json.parseObject(text, "cat.json")).getMessage();
    }

    @Test
    void syntaxErrorsSayWhereAndWhatInWords() {
        // Gson: "com.google.gson.JsonSyntaxException: java.io.EOFException: End of input at line 1 column 12 path $.a[2]"
        assertEquals("cat.json is not valid JSON: the text ends too early at line 1, column 12", refusal("{\"a\": [1, 2"));
        assertEquals("cat.json is not valid JSON: the object is not closed at line 2, column 3",
                refusal("{\"a\": 1\n \"b\": 2}"));
        assertEquals("cat.json is not valid JSON: the array is not closed at line 1, column 11", refusal("{\"a\": [1 2]}"));
        // a malformed escape's characters are quoted: shown escaped, not acted on by the terminal
        assertEquals("cat.json is not valid JSON: malformed Unicode escape \\u\\x1b]0; at line 1, column 9",
                refusal("{\"d\":\"\\u\u001b]0;\"}"));
        assertEquals("cat.json is not a JSON object", refusal("[1, 2]"));
    }
}
