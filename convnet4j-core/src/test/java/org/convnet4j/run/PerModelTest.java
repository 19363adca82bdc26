package org.convnet4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.convnet4j.data.ArrayDataset;
import org.convnet4j.data.Dataset;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

class PerModelTest {
    @Test
    void defaultWithExceptions() {
        PerModel<Double> w = PerModel.parse("--width", "0.25, AlexNet=0.5", Double::parseDouble);
        assertEquals(0.5, w.get("alexnet", 1.0));
        assertEquals(0.25, w.get("vgg16", 1.0));
        assertEquals(Set.of("alexnet"), w.namedModels());
    }

    @Test
    void onlyExceptionsLeaveTheOthersAtTheirFallback() {
        PerModel<Integer> s = PerModel.parse("--input", "alexnet=64,vgg16=32", Integer::parseInt);
        assertEquals(64, s.get("alexnet", 28));
        assertEquals(32, s.get("vgg16", 28));
        assertEquals(28, s.get("lenet5", 28));
        assertEquals(7, PerModel.<Integer>none().get("lenet5", 7));
    }

    @Test
    void forARunNothingGivenIsNoneAndAModelNotRunIsRefusedNamingTheOption() {
        List<String> run = List.of("alexnet", "vgg16");
        assertEquals(5, PerModel.parse("--epochs", null, PerModel.count("epochs"), run).get("vgg16", 5));
        assertEquals(2, PerModel.parse("--epochs", "1,vgg16=2", PerModel.count("epochs"), run).get("vgg16", 5));
        assertEquals("--epochs: 'lenet5' is not one of the models being run (alexnet, vgg16)",
                assertThrows(IllegalArgumentException.class,
                        () -> PerModel.parse("--epochs", "lenet5=2", PerModel.count("epochs"), run)).getMessage());
    }

    @Test
    void ambiguousOrMalformedTextIsRefused() {
        for (String bad : List.of("0.25,0.5", "alexnet=1,alexnet=2", "=1", "0.25,,vgg16=1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PerModel.parse("--width", bad, Double::parseDouble), bad);
            assertTrue(e.getMessage().startsWith("--width: "), e.getMessage());
        }
    }

    @Test
    void squareSizesParseThroughTheOneShapeParser() {
        assertEquals(32, PerModel.squareSize("32"));
        assertEquals(32, PerModel.squareSize(" 32x32 "));
        assertEquals(32, PerModel.squareSize("32X32"));
        assertRefused("28x32", "'28x32': give one size (32) or a square one (32x32)");
        assertRefused("32x32x32", "'32x32x32': give one size (32) or a square one (32x32)");
        assertRefused("0", "size 0 must be at least 1");
        for (String bad : List.of("", "x", "abc", "32xa", "x32")) {
            assertRefused(bad, "'" + bad + "' is not a size such as 32 or 32x32");
        }
    }

    private static void assertRefused(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PerModel.squareSize(text), text);
        assertEquals(message, e.getMessage());
    }

    @Test
    void meanAndDeviationOfAllPixels() {
        // two 1x1x2 samples 0,1 and 2,3: mean 1.5, population variance (2.25+0.25+0.25+2.25)/4 = 1.25
        Dataset d = ArrayDataset.ofFloats(new float[] {0, 1, 2, 3}, Shape.of(1, 1, 2), new int[] {0, 1}, List.of("a", "b"));
        double[] ms = ZooBenchmark.meanStd(d);
        assertEquals(1.5, ms[0], 1e-12);
        assertEquals(Math.sqrt(1.25), ms[1], 1e-12);
    }
}
