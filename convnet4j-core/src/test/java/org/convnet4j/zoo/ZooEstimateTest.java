package org.convnet4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.convnet4j.nn.Model;
import org.convnet4j.nn.ModelSummary;
import org.junit.jupiter.api.Test;

/**
 * {@link ModelZoo#estimatedParameterBytes} is what importers check against the memory budget before building the
 * model a weight file declares: it must not be below the real size (else a file could make us build more than it
 * allows) and not far above it (issue 15: a 1/32-width VGG13 was estimated as a full one, 532 MB, and refused at
 * -Xmx512m). Checked against the models' parameters and buffers (float32) of every zoo architecture.
 */
class ZooEstimateTest {

    @Test
    void theEstimateBoundsEveryZooModelFromAboveAndANarrowOneIsSmall() {
        int checked = 0;
        for (String name : ModelZoo.names()) {
            for (double w : new double[] {1.0 / 32, 1.0 / 4, 1.5}) {
                ZooOptions o = ZooOptions.builder().width(w).build();
                Model m = ModelZoo.describe(name, o); // the built model's counts (ZooDescribeTest), no weights
                long real = 4 * (m.parameterCount() + ModelSummary.bufferCount(m));
                long estimate = ModelZoo.estimatedParameterBytes(name, o);
                String what = name + " at width " + w + ": estimate " + estimate + " bytes, real " + real;
                assertTrue(estimate >= real, what);
                if (w == 1.0 / 32) {
                    // the largest real one at 1/32 is 21 MB (mobilenet_v2's unscaled head); VGG13 was 532 MB
                    assertTrue(estimate <= 40_000_000L, what);
                }
                checked++;
            }
        }
        assertEquals(3 * ModelZoo.names().size(), checked); // described, so the wide ones need no heap
    }
}
