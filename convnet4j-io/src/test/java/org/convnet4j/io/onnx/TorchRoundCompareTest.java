package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.layers.Elementwise;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@code Round}, {@code GreaterOrEqual} and {@code LessOrEqual} as PyTorch exports them
 * (tools/fixtures/torch_round_compare_fixture.py, opsets 11, 13 and 17): a convolution's feature maps fake-quantised to
 * quarters and kept only where 0.1 &lt;= f &lt;= 0.9. {@link OnnxImporter#importProgram} gives PyTorch's output bit for
 * bit (Round on the float path as {@link Elementwise.Fn#ROUND}, the comparisons on the typed path). Until 2026-12-06
 * {@code check} refused the files ("operator Round (opset 11) is not supported"; GreaterOrEqual and LessOrEqual from
 * opset 12 on).
 */
class TorchRoundCompareTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/torch_round_compare");

    @Test
    void importsAndGivesPyTorchsOutput() throws Exception {
        for (int opset : new int[] {11, 13, 17}) {
            Path d = DIR.resolve("op" + opset);
            OnnxModel.Model m = OnnxReader.readModel(d.resolve("model.onnx"));
            assertEquals(List.of(), OnnxImporter.check(m), "opset " + opset);
            TensorData x = OnnxReader.readTensor(d.resolve("test_data_set_0/input_0.pb"));
            float[] want = OnnxReader.readTensor(d.resolve("test_data_set_0/output_0.pb")).floats();
            float[] got = OnnxImporter.importProgram(m, "round op" + opset).run(List.of(x)).get(0).floats();
            assertArrayEquals(want, got, "opset " + opset);
            long kept = java.util.stream.IntStream.range(0, got.length).filter(i -> got[i] != 0).count();
            assertTrue(kept > 100 && kept < 300, kept + " of " + got.length + " kept"); // both sides of the band
        }
    }

    @Test
    void roundsHalfToEvenAndExportsAsRound() throws Exception {
        Graph g = Graph.builder("round").input("x", Shape.of(8)).add("r", new Elementwise(Elementwise.Fn.ROUND), "x")
                .output("r").build();
        Tensor x = Tensor.of(new float[] {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 2.4999998f, -1.7f, 3f}, 1, 8);
        float[] want = {0f, 2f, 2f, -0f, -2f, 2f, -2f, 3f};
        assertArrayEquals(want, g.predict(x).data());
        assertArrayEquals(want, OnnxRoundTripTest.reimport(g).predict(x).data(), "exported and imported again");
    }
}
