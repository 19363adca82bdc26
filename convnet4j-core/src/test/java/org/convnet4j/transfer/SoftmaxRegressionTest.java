package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The logistic-regression head against PyTorch: the same objective (0.5 |W|^2 + C sum cross-entropy on floored,
 * standardised features) minimised by torch.optim.LBFGS in float64 (tools/fixtures/softmax_regression_fixture.py).
 */
class SoftmaxRegressionTest {
    @Test
    void matchesTorchsLbfgsSolutionOfTheSameObjective() throws Exception {
        JsonObject f;
        try (InputStream in = SoftmaxRegressionTest.class.getResourceAsStream("softmax_regression.json")) {
            assertNotNull(in, "fixture missing: tools/fixtures/softmax_regression_fixture.py");
            f = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
        int n = f.get("n").getAsInt();
        int dim = f.get("dim").getAsInt();
        int classes = f.get("classes").getAsInt();
        float[] x = floats(f.getAsJsonArray("x"));
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = f.getAsJsonArray("y").get(i).getAsInt();
        }
        SoftmaxRegression.Fit fit = SoftmaxRegression.fit(x, dim, y, classes, f.get("c").getAsDouble(), 1000);

        assertTrue(fit.converged(), "iterations " + fit.iterations());
        assertEquals(f.get("objective").getAsDouble(), fit.objective(), 1e-6 * f.get("objective").getAsDouble());
        float[] kernel = floats(f.getAsJsonArray("kernel"));
        float[] bias = floats(f.getAsJsonArray("bias"));
        for (int i = 0; i < kernel.length; i++) {
            assertEquals(kernel[i], fit.kernel()[i], 2e-3 * Math.max(1, Math.abs(kernel[i])), "kernel " + i);
        }
        for (int i = 0; i < bias.length; i++) {
            assertEquals(bias[i], fit.bias()[i], 2e-3 * Math.max(1, Math.abs(bias[i])), "bias " + i);
        }
        // the floored feature (fires on one picture of 45) keeps a bounded raw weight
        for (int k = 0; k < classes; k++) {
            assertTrue(Math.abs(fit.kernel()[k * dim + 5]) < 10, "feature 5, class " + k + ": " + fit.kernel()[k * dim + 5]);
        }
    }

    private static float[] floats(JsonArray a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).getAsFloat();
        }
        return v;
    }
}
