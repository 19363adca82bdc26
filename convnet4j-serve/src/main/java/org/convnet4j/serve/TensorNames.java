package org.convnet4j.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * What a served model's one input and one output are called in the Open Inference Protocol: the ONNX graph's own
 * names when the model was imported from ONNX (kept in its description's {@code imported_from}, and so in a
 * {@code .c4j} written from it), else {@value InferenceProtocol#INPUT_NAME} and
 * {@value InferenceProtocol#OUTPUT_NAME}. Requests may use either: the model's name or the generic one.
 */
public record TensorNames(String input, String output) {
    /** The generic names, for models that carry no others. */
    public static final TensorNames GENERIC = new TensorNames(InferenceProtocol.INPUT_NAME, InferenceProtocol.OUTPUT_NAME);

    public TensorNames {
        if (input == null || input.isEmpty() || output == null || output.isEmpty()) {
            throw new IllegalArgumentException("tensor names must not be empty, got '" + input + "' and '" + output + "'");
        }
    }

    /** The names a saved model's description gives (each side only when it names exactly one tensor). */
    public static TensorNames of(String description) {
        JsonObject d;
        try {
            d = org.convnet4j.internal.json.Json.parseObject(description, "description");
        } catch (RuntimeException e) {
            return GENERIC;
        }
        if (!(d.get("imported_from") instanceof JsonObject from)) {
            return GENERIC;
        }
        return new TensorNames(single(from.get("inputs"), GENERIC.input), single(from.get("outputs"), GENERIC.output));
    }

    private static String single(JsonElement names, String otherwise) {
        if (names instanceof JsonArray a && a.size() == 1 && a.get(0).isJsonPrimitive()
                && a.get(0).getAsJsonPrimitive().isString() && !a.get(0).getAsString().isEmpty()) {
            return a.get(0).getAsString();
        }
        return otherwise;
    }

    /** Whether a request may call the input {@code name}: the model's name or the generic one. */
    boolean isInput(String name) {
        return InferenceProtocol.INPUT_NAME.equals(name) || input.equals(name);
    }

    /** Whether a request may ask for the output {@code name}: the model's name or the generic one. */
    boolean isOutput(String name) {
        return InferenceProtocol.OUTPUT_NAME.equals(name) || output.equals(name);
    }

    /** How a refusal names what the model takes or gives: {@code "x" (or "input")}. */
    static String shownWithGeneric(String own, String generic) {
        return "\"" + InferenceProtocol.shown(own) + "\"" + (own.equals(generic) ? "" : " (or \"" + generic + "\")");
    }
}
