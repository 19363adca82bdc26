package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.layers.ArgMax;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@code ArgMin} as PyTorch exports {@code torch.argmin} (tools/fixtures/torch_argmin_fixture.py, opsets 11, 13 and
 * 17): a small CNN whose output is the index of the nearest of five prototypes (keepdim) and the row of the smallest
 * value in every column of eight feature maps. It imports on the float path (an {@link ArgMax} of the negated input),
 * gives PyTorch's indices exactly, and exports and imports again with the same output. Until 2026-12-05 the file was
 * refused ("operator ArgMin (opset 11) is not supported").
 */
class TorchArgMinTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/torch_argmin");

    @Test
    void importsAndGivesPyTorchsIndices() throws Exception {
        for (int opset : new int[] {11, 13, 17}) {
            Path d = DIR.resolve("op" + opset);
            Graph g = OnnxImporter.importModel(OnnxReader.readModel(d.resolve("model.onnx")), "argmin op" + opset);
            assertEquals(2, g.nodes().stream().filter(n -> n.layer() instanceof ArgMax).count(), "opset " + opset);
            Tensor x = OnnxReader.readTensor(d.resolve("test_data_set_0/input_0.pb")).toTensor();
            Tensor want = OnnxReader.readTensor(d.resolve("test_data_set_0/output_0.pb")).toTensor();
            Tensor got = g.predict(x);
            assertEquals(want.shape(), got.shape(), "opset " + opset);
            assertArrayEquals(want.data(), got.data(), "opset " + opset);
            // the samples picked different prototypes (3, 0, 4, 1), and the columns' rows vary
            assertArrayEquals(new float[] {3, 0, 4, 1}, new float[] {got.data()[0], got.data()[49], got.data()[98],
                got.data()[147]});
            assertTrue(java.util.stream.IntStream.range(1, 49).mapToDouble(i -> got.data()[i]).distinct().count() >= 4);
            Graph back = OnnxRoundTripTest.reimport(g);
            assertArrayEquals(got.data(), back.predict(x).data(), "export and import again, opset " + opset);
            assertEquals(List.of(), OnnxImporter.check(OnnxReader.readModel(d.resolve("model.onnx"))));
        }
    }
}
