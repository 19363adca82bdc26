package org.convnet4j.io.onnx;

import java.util.List;

/** A well-formed ONNX model that uses operators or settings this importer cannot map; lists every one. */
public class UnsupportedOnnxException extends IllegalArgumentException {
    private final List<String> problems;

    public UnsupportedOnnxException(String what, List<String> problems) {
        super(what + ": unsupported: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One entry per problem, e.g. {@code "DepthToSpace (opset 13) at node 'up1': not implemented"}. */
    public List<String> problems() {
        return problems;
    }
}
