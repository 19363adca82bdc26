package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A float32 to BFLOAT16 Cast as PyTorch exports it ({@code x.to(torch.bfloat16)}; tools/fixtures/torch_bfloat16_fixture.py):
 * the imported model gives PyTorch's values bit for bit, on the node suite's 12 inputs of test_cast_FLOAT_to_BFLOAT16,
 * on ties of both parities, next to ties, subnormals, the overflow edge and random values (a NaN, one of the node
 * case's inputs, stays NaN). The node case itself stays
 * excluded (onnx-node-exclusions.tsv): its expected bits are the float32 bits truncated, which PyTorch does not do.
 */
class TorchBfloat16CastTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/torch_bfloat16");

    @Test
    void aCastToBfloat16RoundsAsPyTorchDoes() throws Exception {
        OnnxProgram p = OnnxImporter.importProgram(OnnxReader.readModel(DIR.resolve("model.onnx")), "bf16");
        Tensor x = OnnxReader.readTensor(DIR.resolve("test_data_set_0/input_0.pb")).toTensor();
        Tensor want = OnnxReader.readTensor(DIR.resolve("test_data_set_0/output_0.pb")).toTensor();
        float[] got = p.run(List.of(TensorData.of("x", x))).get(0).floats();
        assertEquals(want.size(), got.length);
        int truncatedDiffers = 0;
        for (int k = 0; k < got.length; k++) {
            if (Float.isNaN(want.data()[k])) { // a NaN stays NaN (its payload and sign bits are not compared)
                assertTrue(Float.isNaN(got[k]), "value " + k + ": NaN, ours " + got[k]);
                continue;
            }
            assertEquals(Float.floatToRawIntBits(want.data()[k]), Float.floatToRawIntBits(got[k]),
                    "value " + k + " " + Float.toHexString(x.data()[k]) + ": PyTorch " + want.data()[k] + ", ours "
                            + got[k]);
            float truncated = Float.intBitsToFloat(Float.floatToRawIntBits(x.data()[k]) & 0xFFFF0000);
            truncatedDiffers += k < 12 && Float.compare(truncated, want.data()[k]) != 0 ? 1 : 0;
        }
        // why the node case stays excluded: PyTorch differs from its truncated expectation on 5 of its 12 values
        assertEquals(5, truncatedDiffers);
        assertTrue(want.size() > 100);
    }
}
