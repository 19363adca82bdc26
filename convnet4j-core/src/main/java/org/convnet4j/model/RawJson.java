package org.convnet4j.model;

/**
 * JSON text given as a value where convnet4j writes JSON (e.g. an extra entry of
 * {@link ModelFiles#save(org.convnet4j.nn.Model, java.nio.file.Path, Preprocessing, java.util.Map)}): it is
 * inserted as the JSON it holds rather than as a string. The text is checked when it is used.
 */
public record RawJson(String json) {
    public RawJson {
        if (json == null) {
            throw new IllegalArgumentException("RawJson: null text");
        }
    }
}
