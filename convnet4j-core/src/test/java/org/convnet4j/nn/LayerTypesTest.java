package org.convnet4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.convnet4j.nn.layers.ReLU;
import org.junit.jupiter.api.Test;

/** The one layer registry: what it lists, what has an ONNX form, registration at run time. */
class LayerTypesTest {
    /** Types with no ONNX export, and why; every other registered type has one. */
    static final Map<String, String> NO_ONNX_FORM = Map.of(
            "ConnectionTableConv2d", "LeNet-5 (1998) partial connection table: no ONNX operator",
            "TrainableSubsampling", "LeNet-5 (1998) subsampling with a learned coefficient and bias per map",
            "ScaledTanh", "LeNet-5 (1998) A tanh(S x); not written yet",
            "RbfOutput", "LeNet-5 (1998) Euclidean RBF outputs",
            "WeightedSum", "fusion's learned weighted sum of inputs",
            "DecisionFusion", "late fusion's vote over class outputs",
            "ShallowClassifier", "a Tribuo model (case 1's head), not a tensor function");

    @Test
    void everyTypeButTheListedOnesHasAnOnnxForm() {
        Set<String> without = new TreeSet<>();
        for (LayerType<?> t : LayerTypes.all()) {
            if (t.onnx() == null) {
                without.add(t.name());
            }
        }
        assertEquals(new TreeSet<>(NO_ONNX_FORM.keySet()), without);
    }

    @Test
    void theFactoryAndTheRegistryAgree() {
        assertEquals(LayerTypes.names(), LayerFactory.types());
        for (LayerType<?> t : LayerTypes.all()) {
            assertSame(t, LayerTypes.find(t.name()));
        }
        LayerType<?> relu = LayerTypes.find("ReLU");
        assertEquals(ReLU.class, relu.layerClass());
        assertTrue(LayerFactory.create("ReLU", Map.of()) instanceof ReLU);
        assertNull(LayerTypes.find("Sequential"));
    }

    @Test
    void aTypeRegisteredAtRunTimeIsBuiltFromModelFiles() {
        LayerTypes.register(LayerType.of("TestRuntimeTwice", ReLU.class, c -> new ReLU()));
        try {
            assertTrue(LayerFactory.create("TestRuntimeTwice", Map.of()) instanceof ReLU);
            assertNotNull(LayerTypes.find("TestRuntimeTwice"));
        } finally {
            LayerTypes.unregister("TestRuntimeTwice");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerFactory.create("TestRuntimeTwice", Map.of()));
        assertTrue(e.getMessage().contains("unknown layer type 'TestRuntimeTwice'"), e.getMessage());
    }
}
