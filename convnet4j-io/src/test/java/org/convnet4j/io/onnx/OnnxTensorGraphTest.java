package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.convnet4j.io.onnx.OnnxModel.Attribute;
import org.convnet4j.nn.Graph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * PyTorch exports (tools/fixtures/torchvision_onnx.py ... tinymix, symbolic batch axis) of the blocks that need
 * the tensor graph: hard-swish and squeeze-excitation, chunk + channel shuffle (a Shape/Gather/Concat subgraph
 * that folding removes), channels-last LayerNorm + GELU MLP, mean over H and W. Each must match torch within
 * 1e-4 relative, fine-tune as torch did (tools/fixtures/torchvision_onnx.py writes torch's trajectory) and export.
 * tinyaffine holds the parameters that ONNX carries as Add/Mul/InstanceNormalization initializers (layer scale,
 * channels-last Linear bias, InstanceNorm and GroupNorm affine): they must be learned like torch's.
 */
class OnnxTensorGraphTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/tensor_graph");

    @ParameterizedTest
    @ValueSource(strings = {"tinymix_op11", "tinymix_op17", "tinyaffine_op11", "tinyaffine_op17"})
    void matchesTorchTrainsAndExports(String name) throws Exception {
        String result = TorchvisionModels.check(DIR.resolve(name), true);
        System.out.println(name + ": " + result);
        assertTrue(result.contains("export ok"), result);
    }

    @Test
    void shapeSubgraphsAreFoldedAway() throws Exception {
        OnnxModel.Model m = OnnxReader.readModel(DIR.resolve("tinymix_op17/model.onnx"));
        Graph g = OnnxImporter.importModel(m, "tinymix");
        long shapeNodes = m.graph().nodes().stream().filter(n -> n.opType().equals("Shape")).count();
        assertTrue(shapeNodes > 0, "the fixture has a shape subgraph");
        // every graph node is a layer that computes: no Shape/Gather/Concat of shapes survives
        long ops = m.graph().nodes().stream().filter(n -> !n.opType().equals("Constant")).count();
        assertTrue(g.nodes().size() < ops, g.nodes().size() + " nodes for " + ops + " ONNX nodes");
        // Sigmoid + Mul of the same x became one SiLU layer
        assertTrue(g.nodes().stream().anyMatch(n -> n.layer() instanceof org.convnet4j.nn.layers.Elementwise e
                && e.fn() == org.convnet4j.nn.layers.Elementwise.Fn.SILU), "x * sigmoid(x) fused into SiLU");
    }

    /**
     * tinymix exported with symbolic height and width (--dynamic-hw): its channel shuffle computes the Reshape
     * target from Shape of a runtime tensor, which cannot fold while H and W are unknown, and the engine's layers
     * have fixed per-sample shapes. The import names the symbolic axis; with the sizes fixed by the caller
     * (withSampleShape) the shape subgraph folds and the model matches torch, fine-tunes as torch did and exports.
     */
    @Test
    void symbolicHeightAndWidthFoldOnceTheCallerFixesThem() throws Exception {
        Path dir = DIR.resolve("tinymix_hw_op17");
        OnnxModel.Model m = OnnxReader.readModel(dir.resolve("model.onnx"));
        UnsupportedOnnxException e = assertThrows(UnsupportedOnnxException.class,
                () -> OnnxImporter.importModel(m, "tinymix_hw"));
        assertTrue(e.getMessage().contains("no fixed size along axis 2") && e.getMessage().contains("withSampleShape"),
                e.getMessage());
        OnnxModel.Model fixed = m.withSampleShape("input", 3, 16, 16);
        assertTrue(fixed.graph().inputs().get(0).dims()[0] < 1, "the batch axis stays symbolic");
        Graph g = OnnxImporter.importModel(fixed, "tinymix_hw");
        org.convnet4j.tensor.Tensor x = OnnxReader.readTensor(dir.resolve("input_0.pb")).toTensor();
        double rel = TorchvisionModels.relErr(g.predict(x).data(),
                OnnxReader.readTensor(dir.resolve("output_0.pb")).floats());
        assertTrue(rel <= TorchvisionModels.RTOL, "max relative error " + rel);
        String tuned = TorchvisionModels.fineTune(g, x, dir.resolve("trajectory.txt"));
        System.out.println("tinymix_hw_op17 fixed to 3x16x16: max rel err " + rel + tuned);
        Graph again = OnnxImporter.importModel(OnnxExporter.toOnnx(g), "tinymix_hw (exported)");
        assertTrue(TorchvisionModels.relErr(again.predict(x).data(), g.predict(x).data()) <= 1e-5);
        // another size works as well (the shape arithmetic folds to other values)
        Graph big = OnnxImporter.importModel(m.withSampleShape("input", 3, 24, 20), "tinymix_hw 24x20");
        assertTrue(java.util.Arrays.equals(new int[] {10}, big.outputShape().dims()), big.outputShape().toString());
        // what cannot be fixed is named
        IllegalArgumentException channel = assertThrows(IllegalArgumentException.class,
                () -> m.withSampleShape("input", 4, 16, 16));
        assertTrue(channel.getMessage().contains("fixed size 3 along axis 1"), channel.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.withSampleShape("input", 16, 16))
                .getMessage().contains("not a batch axis and 2 more"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.withSampleShape("image", 3, 16, 16))
                .getMessage().contains("no input 'image'"));
    }

    /**
     * Optional outputs that CNN inference exports leave unread are refused, when read, with a line naming the
     * output's role (libonnx-testdata's MaxPool-with-Indices, Dropout-with-mask and training-mode BatchNorm cases).
     */
    @ParameterizedTest
    @ValueSource(strings = {"test_maxpool_with_argmax_2d_precomputed_pads:Indices (flat positions",
        "test_dropout_default_mask:mask (a training-time boolean tensor)) is a graph output",
        "test_batchnorm_example_training_mode:running_mean) is a graph output; only the inference form"})
    void secondaryOutputsAreRefusedByRole(String spec) throws Exception {
        String[] p = spec.split(":", 2);
        Path model = OnnxNodeTests.ROOT.resolve(p[0]).resolve("model.onnx");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(model),
                "libonnx-testdata is not installed");
        UnsupportedOnnxException e = assertThrows(UnsupportedOnnxException.class,
                () -> OnnxImporter.importModel(OnnxReader.readModel(model), p[0]));
        assertTrue(e.getMessage().contains(p[1]), e.getMessage());
    }

    @Test
    void attributesBeyond32BitsAreRefusedNotTruncated() throws Exception {
        OnnxModel.Model m = OnnxReader.readModel(DIR.resolve("tinymix_op17/model.onnx"));
        List<OnnxModel.Node> nodes = new java.util.ArrayList<>();
        boolean changed = false;
        for (OnnxModel.Node n : m.graph().nodes()) {
            if (!changed && n.opType().equals("Conv")) {
                Map<String, Attribute> a = new java.util.LinkedHashMap<>(n.attributes());
                a.put("pads", new Attribute("pads", Attribute.INTS, 0, 0, null, null, null,
                        new long[] {8589934594L, 1, 1, 1}, null));
                n = new OnnxModel.Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), a);
                changed = true;
            }
            nodes.add(n);
        }
        OnnxModel.Graph g = new OnnxModel.Graph("g", nodes, m.graph().initializers(), m.graph().inputs(),
                m.graph().outputs(), List.of());
        OnnxModel.Model bad = new OnnxModel.Model(m.irVersion(), m.opsets(), "t", "", g);
        UnsupportedOnnxException e = assertThrows(UnsupportedOnnxException.class,
                () -> OnnxImporter.importModel(bad, "big.onnx"));
        assertTrue(e.getMessage().contains("8589934594"), e.getMessage());
    }

    @Test
    void kernelShapeMustMatchTheWeights() throws Exception {
        OnnxModel.Model m = OnnxReader.readModel(DIR.resolve("tinymix_op11/model.onnx"));
        List<OnnxModel.Node> nodes = new java.util.ArrayList<>();
        boolean changed = false;
        for (OnnxModel.Node n : m.graph().nodes()) {
            if (!changed && n.opType().equals("Conv")) {
                Map<String, Attribute> a = new java.util.LinkedHashMap<>(n.attributes());
                a.put("kernel_shape", new Attribute("kernel_shape", Attribute.INTS, 0, 0, null, null, null,
                        new long[] {5, 5}, null));
                n = new OnnxModel.Node(n.name(), n.opType(), n.domain(), n.inputs(), n.outputs(), a);
                changed = true;
            }
            nodes.add(n);
        }
        OnnxModel.Graph g = new OnnxModel.Graph("g", nodes, m.graph().initializers(), m.graph().inputs(),
                m.graph().outputs(), List.of());
        UnsupportedOnnxException e = assertThrows(UnsupportedOnnxException.class,
                () -> OnnxImporter.importModel(new OnnxModel.Model(m.irVersion(), m.opsets(), "t", "", g), "k.onnx"));
        assertTrue(e.getMessage().contains("kernel_shape [5, 5] does not match"), e.getMessage());

    }
}
