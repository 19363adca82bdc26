package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.convnet4j.io.onnx.OnnxModel.Node;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.junit.jupiter.api.Test;

/** What inspect shows of an ONNX file before importing it, from the library. */
class OnnxModelDescribeTest {
    @Test
    void versionsOperatorCountsInputsAndOutputs() {
        List<Node> nodes = List.of(new Node("c1", "Conv", "", List.of("x", "w"), List.of("a"), Map.of()),
                new Node("r1", "Relu", "", List.of("a"), List.of("b"), Map.of()),
                new Node("c2", "Conv", "", List.of("b", "w"), List.of("y"), Map.of()));
        OnnxModel.Model m = new OnnxModel.Model(9, Map.of("ai.onnx", 13L), "pytorch", "2.1.0", new OnnxModel.Graph("g",
                nodes, List.of(), List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 3, 8, 8}, true)),
                List.of(new ValueInfo("y", OnnxModel.FLOAT, new long[] {-1, 3, 4, 4}, true)), List.of()));
        assertEquals(List.of("ONNX IR 9, opset 13, producer pytorch 2.1.0", "operators: {Conv=2, Relu=1}",
                "input  x [-1, 3, 8, 8]", "output y [-1, 3, 4, 4]"), m.describe());
    }
}
