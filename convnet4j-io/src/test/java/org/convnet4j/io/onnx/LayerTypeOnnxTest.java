package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.LayerType;
import org.convnet4j.nn.LayerTypes;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.nn.testlayer.ScaledSoftsign;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The ONNX exporter and importer consult the layer registry ({@link LayerTypes}): every layer type with an ONNX form
 * of its own and examples is exported and imported back with the same outputs, without being named here. The
 * test-only {@code TestScaledSoftsign} (core's test jar: one class and its service line) is among them.
 */
class LayerTypeOnnxTest {

    static Sequential withExample(LayerType.Example e) {
        int[] in = e.inputShapes()[0];
        Sequential m = new Sequential(Shape.of(in).dropFirst(), new ReLU().named("before"), e.layer().get());
        m.initialize(3);
        Random random = new Random(17);
        for (Parameter p : m.namedParameters().values()) {
            for (int i = 0; i < p.value().size(); i++) {
                p.value().data()[i] = (float) random.nextGaussian();
            }
            p.changed(); // written in place: announced, as Parameter's contract asks (packings are kept)
        }
        return m;
    }

    /**
     * Reads an export back as ModelLoader does: the float layers, or, where they refuse some node, the whole file as
     * one imported program (the {@code OnnxProgram} type, whose form writes standard operators).
     */
    static Model readBack(OnnxModel.Model onnx, String what) {
        try {
            return OnnxImporter.importModel(onnx, what);
        } catch (UnsupportedOnnxException e) {
            return OnnxProgramLayer.of(onnx, what);
        }
    }

    private static List<String> types(Layer l, List<String> out) {
        out.add(l.type());
        l.children().forEach(c -> types(c, out));
        return out;
    }

    @Test
    void everyRegisteredOnnxFormExportsAndImportsBack() throws Exception {
        Set<String> covered = new TreeSet<>();
        for (LayerType<?> t : LayerTypes.all()) {
            if (t.onnx() == null) {
                continue;
            }
            for (LayerType.Example e : t.examples()) {
                if (e.inputShapes().length != 1) {
                    continue;
                }
                Sequential original = withExample(e);
                byte[] bytes = OnnxWriter.modelBytes(OnnxExporter.toOnnx(original));
                Model back = readBack(OnnxReader.readModel(bytes, e.name()), e.name());
                Tensor x = Tensor.randn(new Random(5), 1.5f, e.inputShapes()[0]);
                assertEquals(0f, original.predict(x).maxAbsDiff(back.predict(x)), e.name() + ": same outputs");
                List<String> types = types(back, new ArrayList<>());
                assertTrue(types.contains(t.name()), e.name() + ": imported as its own type, got " + types);
                // learnable parameters come back learnable, with the same values
                long learnable = original.namedParameters().values().stream().filter(Parameter::isLearnable).count();
                assertEquals(learnable, back.namedParameters().values().stream().filter(Parameter::isLearnable).count(),
                        e.name() + ": learnable parameters");
                covered.add(t.name());
            }
        }
        assertTrue(covered.contains(ScaledSoftsign.TYPE), "the test-only type is exported and imported: " + covered);
        assertTrue(covered.contains(OnnxProgramLayer.TYPE), "io's own type is exported and imported: " + covered);
    }

    @Test
    void aCustomDomainIsDeclaredAndItsOperatorWritten() {
        Sequential m = withExample(LayerTypes.find(ScaledSoftsign.TYPE).examples().get(0));
        OnnxModel.Model onnx = OnnxExporter.toOnnx(m);
        assertEquals(Map.of("", (long) OnnxExporter.OPSET, ScaledSoftsign.DOMAIN, 1L), onnx.opsets());
        OnnxModel.Node node = onnx.graph().nodes().get(onnx.graph().nodes().size() - 1);
        assertEquals(ScaledSoftsign.DOMAIN, node.domain());
        assertEquals("ScaledSoftsign", node.opType());
        assertEquals(0.5f, node.attributes().get("alpha").f());
        // the scale is an initializer (learned again on import), named after the layer
        Layer layer = m.layers().get(1);
        assertTrue(onnx.graph().initializers().stream().anyMatch(t -> t.name().equals(layer.name() + ".scale")),
                "initializer " + layer.name() + ".scale");
    }

    @Test
    void anOperatorOfAnUnregisteredDomainIsStillRefusedByName() {
        OnnxModel.Model onnx = OnnxExporter.toOnnx(withExample(LayerTypes.find(ScaledSoftsign.TYPE).examples().get(0)));
        List<OnnxModel.Node> nodes = onnx.graph().nodes().stream().map(n -> n.domain().isEmpty() ? n
                : new OnnxModel.Node(n.name(), n.opType(), "com.example.other", n.inputs(), n.outputs(), n.attributes()))
                .toList();
        OnnxModel.Model other = new OnnxModel.Model(onnx.irVersion(), Map.of("", (long) OnnxExporter.OPSET,
                "com.example.other", 1L), "t", "", new OnnxModel.Graph("g", nodes, onnx.graph().initializers(),
                onnx.graph().inputs(), onnx.graph().outputs(), List.of()));
        UnsupportedOnnxException e = assertThrows(UnsupportedOnnxException.class,
                () -> OnnxImporter.importModel(other, "other.onnx"));
        assertTrue(e.getMessage().contains("com.example.other.ScaledSoftsign"), e.getMessage());
    }
}
