package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.convnet4j.internal.json.Json;
import org.junit.jupiter.api.Test;

/**
 * Two-output sklearn-onnx-shaped files on pictures (tools/fixtures/onnx_ml_sklearn_fixture.py: a random forest's vote
 * fractions, a two-class logistic regression's rows -w, w; an MLP whose label is a STRING classes initializer picked
 * by ArgMax; string labels, ZipMap) through {@code predict} and
 * {@code serve}: the percentages are ONNX Runtime's probabilities (expected.json, from its ort.json on the same
 * pictures), not a softmax of them, and the best class is ONNX Runtime's label.
 */
class OnnxMlProbabilitiesCliTest {
    private static final Path DIR = Path.of("src/test/resources/fixtures/onnx_ml_pictures");
    private static final List<String> CASES = List.of("forest", "logreg_binary", "mlp_strings");
    private static final int PICTURES = 3;

    private static JsonObject expected(String c) throws Exception {
        return Json.parseObject(Files.readString(DIR.resolve(c).resolve("expected.json")), "expected.json");
    }

    /** ONNX Runtime's probability of class name on picture r. */
    private static double ort(JsonObject e, int r, String name) {
        JsonArray classes = e.getAsJsonArray("classes");
        for (int j = 0; j < classes.size(); j++) {
            if (classes.get(j).getAsString().equals(name)) {
                return e.getAsJsonArray("probabilities").get(r).getAsJsonArray().get(j).getAsDouble();
            }
        }
        throw new AssertionError("no class " + name + " in " + classes);
    }

    @Test
    void predictPrintsOnnxRuntimesProbabilities() throws Exception {
        Pattern row = Pattern.compile("^\\s+(\\d+\\.\\d\\d)%\\s+(\\S+)$");
        for (String c : CASES) {
            JsonObject e = expected(c);
            List<String> args = new ArrayList<>(List.of("predict", "--model", DIR.resolve(c + "/model.onnx").toString()));
            for (int r = 0; r < PICTURES; r++) {
                args.add(DIR.resolve(c + "/pic" + r + ".png").toString());
            }
            CliRun run = CliRun.of(args.toArray(String[]::new));
            assertEquals(0, run.exitCode(), run.err());
            int picture = -1;
            int rows = 0;
            for (String line : run.out().lines().toList()) {
                if (line.endsWith(".png:")) {
                    picture++;
                    assertTrue(line.endsWith("pic" + picture + ".png:"), line);
                    continue;
                }
                Matcher m = row.matcher(line);
                assertTrue(m.matches(), c + ": " + line);
                if (rows % e.getAsJsonArray("classes").size() == 0) { // the first row of a picture: the best class
                    assertEquals(e.getAsJsonArray("labels").get(picture).getAsString(), m.group(2), c + ": " + line);
                }
                double want = 100 * ort(e, picture, m.group(2));
                assertEquals(want, Double.parseDouble(m.group(1)), 0.0051, c + ", picture " + picture + ": " + line);
                rows++;
            }
            assertEquals(PICTURES * e.getAsJsonArray("classes").size(), rows, run.out());
        }
    }

    /**
     * serve's /predictions/{name}: the models loaded as {@code serve --model NAME=FILE} loads them, served by the
     * same ModelServer in this JVM (a serve process costs a JVM start; ServeCommandTest runs the command itself).
     */
    @Test
    void servePredictionsAreOnnxRuntimesProbabilities() throws Exception {
        java.util.Map<String, org.convnet4j.model.SavedModel> loaded = new java.util.LinkedHashMap<>();
        for (String c : CASES) {
            loaded.put(c, ModelArgument.load(DIR.resolve(c + "/model.onnx").toString(), null, null, null));
        }
        org.convnet4j.serve.ModelServer.Options o = new org.convnet4j.serve.ModelServer.Options();
        o.host = "127.0.0.1";
        o.port = 0;
        o.warmupRuns = 0;
        try (org.convnet4j.serve.ModelServer server = org.convnet4j.serve.ModelServer.start(loaded, o)) {
            HttpClient http = HttpClient.newHttpClient();
            for (String c : CASES) {
                JsonObject e = expected(c);
                for (int r = 0; r < PICTURES; r++) {
                    byte[] png = Files.readAllBytes(DIR.resolve(c + "/pic" + r + ".png"));
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                            URI.create(server.url() + "/predictions/" + c))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, answer.statusCode(), answer.body());
                    JsonObject got = Json.parseObject(answer.body(), "answer");
                    assertEquals(e.getAsJsonArray("classes").size(), got.size(), answer.body());
                    String best = null;
                    for (String name : got.keySet()) {
                        double v = got.get(name).getAsDouble();
                        assertEquals(ort(e, r, name), v, 1e-5, c + ", picture " + r + ": " + answer.body());
                        best = best == null || v > got.get(best).getAsDouble() ? name : best;
                    }
                    assertEquals(e.getAsJsonArray("labels").get(r).getAsString(), best, answer.body());
                }
            }
        }
    }
}
