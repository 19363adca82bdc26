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
    /** Types with no ONNX export, and why (their form is {@link OnnxForm#none}); every other type has one. */
    static final Map<String, String> NO_ONNX_FORM = Map.of(); // the last one, ShallowClassifier, has a linear form

    @Test
    void everyTypeButTheListedOnesHasAnOnnxForm() {
        Set<String> without = new TreeSet<>();
        for (LayerType<?> t : LayerTypes.all()) {
            if (t.onnx() == null || t.onnx() instanceof OnnxForm.None) {
                without.add(t.name());
            }
        }
        assertEquals(new TreeSet<>(NO_ONNX_FORM.keySet()), without);
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void aTypeWithoutAnOnnxFormRefusesInOneLineNamingTheLayerAndWhy() {
        for (String name : NO_ONNX_FORM.keySet()) {
            OnnxForm.None<?> none = (OnnxForm.None<?>) LayerTypes.find(name).onnx();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ((OnnxForm) none).export(new ReLU().named("head"), null));
            assertEquals("ONNX export: layer 'head' (ReLU): no ONNX form: " + none.why(), e.getMessage());
            assertTrue(none.why().length() > 20 && !none.why().contains("\n"), none.why());
        }
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
