package org.convnet4j.zoo;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

class LeNet5Test {
    @Test
    void matchesTheD2lTable() {
        Sequential m = LeNet5.build();
        // conv1 6*25+6, conv2 16*6*25+16, dense 400*120+120, 120*84+84, 84*10+10 (d2l.ai / PyTorch count)
        assertEquals(156 + 2416 + 48120 + 10164 + 850, m.parameterCount());
        assertEquals(Shape.of(6, 28, 28), m.outputShapeAt(m.indexOf("conv1")));
        assertEquals(Shape.of(16, 5, 5), m.outputShapeAt(m.indexOf("pool2")));
        assertEquals(Shape.of(10), m.outputShape());
        // MACs: conv1 28*28*6*25, conv2 10*10*16*150, dense 400*120 + 120*84 + 84*10
        assertEquals(117_600L + 240_000L + 48_000L + 10_080L + 840L, m.totalMacs());
    }

    @Test
    void registryBuildsBothVariants() {
        Model classic = ModelZoo.build("lenet5-classic", null, 10);
        assertTrue(classic.summaryRows().stream().anyMatch(r -> r.type().equals("Sigmoid")));
        assertTrue(classic.summaryRows().stream().anyMatch(r -> r.type().equals("AvgPool2d")));
        assertEquals(List.of("lenet5", "lenet5-classic"), ModelZoo.names().subList(0, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelZoo.build("lenet7", null, 10));
        assertTrue(e.getMessage().contains("lenet5"), e.getMessage());
    }
}
