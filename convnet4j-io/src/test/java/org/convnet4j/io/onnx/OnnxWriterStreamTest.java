package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.convnet4j.io.onnx.OnnxModel.ValueInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streamed writer (issue 16): a model's message lengths are computed ahead and its initializers' raw data encoded
 * {@link OnnxWriter#CHUNK} bytes at a time into the file. Tensors of every element type it writes, of sizes that end
 * inside, at and across chunk boundaries, are read back exactly by {@link OnnxReader}, and the file holds the same
 * bytes as {@link OnnxWriter#modelBytes}.
 */
class OnnxWriterStreamTest {
    @TempDir
    Path dir;

    @Test
    void everyElementTypeAcrossChunkBoundariesReadsBackExactly() throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        int chunkFloats = OnnxWriter.CHUNK / 4;
        List<TensorData> inits = new ArrayList<>();
        for (int n : new int[] {0, 1, chunkFloats - 1, chunkFloats, chunkFloats + 1, 2 * chunkFloats + 77}) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                // special values among them (an infinity: the reader refuses NaN in a model, NonFiniteConstantsTest)
                f[i] = i % 1001 == 3 ? Float.POSITIVE_INFINITY : i % 1001 == 5 ? -0f : (float) r.nextGaussian();
            }
            inits.add(new TensorData("f" + n, OnnxModel.FLOAT, new long[] {n}, f, null));
        }
        double[] d = new double[10_001];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextGaussian() * 1e300;
        }
        inits.add(TensorData.ofDoubles("d", d, d.length));
        inits.add(floats("h", OnnxModel.FLOAT16, 33_001, i -> (i % 200 - 100) / 8f));
        inits.add(floats("bf", OnnxModel.BFLOAT16, 40_000, i -> (i % 64 - 32) / 4f));
        inits.add(longs("i64", OnnxModel.INT64, 9_000, i -> (long) i * 0x1_0000_0001L - (1L << 62)));
        inits.add(longs("i32", OnnxModel.INT32, 17_000, i -> i * 65_537L - (1L << 30)));
        inits.add(longs("i16", OnnxModel.INT16, 33_000, i -> i % 65_536 - 32_768));
        inits.add(longs("i8", OnnxModel.INT8, 70_001, i -> i % 256 - 128));
        inits.add(longs("u8", OnnxModel.UINT8, 65_536, i -> i % 256));
        inits.add(longs("b", OnnxModel.BOOL, 5, i -> i % 2));
        inits.add(new TensorData("s", 8, new long[] {2}, new float[0], null, null, List.of("cat", "dög")));
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 17L), "OnnxWriterStreamTest", "1", new OnnxModel.Graph(
                "g", List.of(), inits, List.of(new ValueInfo("x", OnnxModel.FLOAT, new long[] {-1, 3}, true)),
                List.of(new ValueInfo("f1", OnnxModel.FLOAT, new long[] {1}, true)), List.of()), Map.of("k", "v"));
        Path file = dir.resolve("all.onnx");
        OnnxWriter.writeModel(file, m);
        assertArrayEquals(OnnxWriter.modelBytes(m), Files.readAllBytes(file));
        OnnxModel.Model back = OnnxReader.readModel(file);
        assertEquals(inits.size(), back.graph().initializers().size());
        for (int k = 0; k < inits.size(); k++) {
            TensorData want = inits.get(k);
            TensorData got = back.graph().initializers().get(k);
            assertEquals(want.name(), got.name());
            assertEquals(want.dataType(), got.dataType(), want.name());
            assertArrayEquals(want.dims(), got.dims(), want.name());
            if (want.isString()) {
                assertEquals(want.strings(), got.strings());
            } else if (want.dataType() == OnnxModel.DOUBLE) {
                for (int i = 0; i < d.length; i++) {
                    assertEquals(Double.doubleToRawLongBits(d[i]), Double.doubleToRawLongBits(got.value(i)), "d " + i);
                }
            } else if (want.longs() != null) {
                assertArrayEquals(want.longs(), got.longs(), want.name());
            } else {
                assertEquals(want.floats().length, got.floats().length, want.name());
                for (int i = 0; i < want.floats().length; i++) {
                    if (Float.floatToRawIntBits(want.floats()[i]) != Float.floatToRawIntBits(got.floats()[i])) {
                        assertEquals(want.floats()[i], got.floats()[i], want.name() + " " + i);
                    }
                }
            }
        }
        assertEquals("v", back.metadata().get("k"));
    }

    @Test
    void aTensorOfATypeItCannotWriteIsRefusedBeforeTheFileIsMade() {
        TensorData c = new TensorData("c", 14, new long[] {1}, new float[] {1f}, null); // COMPLEX64
        OnnxModel.Model m = new OnnxModel.Model(8, Map.of("", 17L), "t", "1", new OnnxModel.Graph("g", List.of(),
                List.of(c), List.of(), List.of(), List.of()), Map.of());
        Path file = dir.resolve("c.onnx");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxWriter.writeModel(file, m));
        assertEquals("ONNX writer: tensor 'c' has type COMPLEX64", e.getMessage());
        assertFalse(Files.exists(file));
    }

    private static TensorData floats(String name, int type, int n, java.util.function.IntFunction<Float> value) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = value.apply(i);
        }
        return new TensorData(name, type, new long[] {n}, f, null);
    }

    private static TensorData longs(String name, int type, int n, java.util.function.IntToLongFunction value) {
        long[] l = new long[n];
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = value.applyAsLong(i);
            f[i] = l[i];
        }
        return new TensorData(name, type, new long[] {n}, f, l);
    }
}
