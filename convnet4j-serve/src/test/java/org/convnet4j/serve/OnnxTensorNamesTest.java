package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.convnet4j.model.SavedModel;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A model imported from ONNX keeps the graph's tensor names in its description (ModelLoader; ModelLoaderTest checks
 * the import and the .c4j): the v2 metadata lists them, a request may name the input by the graph's name or the
 * generic "input", and the answer calls the output what the request asked for, else the graph's name.
 */
class OnnxTensorNamesTest {
    private static SavedModel saved;
    private static ModelServer server;

    @BeforeAll
    static void start() throws Exception {
        SavedModel lenet = TestModels.lenet(11);
        saved = new SavedModel(lenet.model(), lenet.preprocessing(),
                "{\"imported_from\":{\"file\":\"lenet.onnx\",\"format\":\"onnx\",\"inputs\":[\"x\"],\"outputs\":[\"logits\"]}}");
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.warmupRuns = 0;
        server = ModelServer.start(Map.of("onnx", saved, "plain", lenet), o);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String body(String inputName, Tensor x, String outputs) {
        JsonObject r = InferenceProtocol.requestTree(x, "n");
        r.getAsJsonArray("inputs").get(0).getAsJsonObject().addProperty("name", inputName);
        if (outputs != null) {
            r.add("outputs", JsonParser.parseString(outputs));
        }
        return r.toString();
    }

    private static JsonObject output(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("outputs").get(0).getAsJsonObject();
    }

    private static float[] data(JsonObject out) {
        JsonArray a = out.getAsJsonArray("data");
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).getAsFloat();
        }
        return f;
    }

    @Test
    void theMetadataNamesTheGraphsTensorsAndInferTakesEitherName() throws Exception {
        JsonObject meta = JsonParser.parseString(ModelServerTestHttp.get(server.url() + "/v2/models/onnx"))
                .getAsJsonObject();
        assertEquals("x", meta.getAsJsonArray("inputs").get(0).getAsJsonObject().get("name").getAsString());
        assertEquals("logits", meta.getAsJsonArray("outputs").get(0).getAsJsonObject().get("name").getAsString());
        JsonObject plain = JsonParser.parseString(ModelServerTestHttp.get(server.url() + "/v2/models/plain"))
                .getAsJsonObject();
        assertEquals("input", plain.getAsJsonArray("inputs").get(0).getAsJsonObject().get("name").getAsString());
        assertEquals("output", plain.getAsJsonArray("outputs").get(0).getAsJsonObject().get("name").getAsString());

        Tensor x = TestModels.randomInput(new Random(8), 2);
        float[] expected = saved.model().predict(x).data();
        // the fast path, then Javalin's route (a trailing slash): the same names
        for (String path : new String[] {"/v2/models/onnx/infer", "/v2/models/onnx/infer/"}) {
            for (String name : new String[] {"x", "input"}) {
                JsonObject out = output(ModelServerTest.post(server, path, body(name, x, null).getBytes(StandardCharsets.UTF_8)));
                assertEquals("logits", out.get("name").getAsString(), path + " " + name);
                assertArrayEquals(expected, data(out), 1e-5f);
            }
            JsonObject asked = output(ModelServerTest.post(server, path, body("x", x, "[{\"name\":\"output\"}]")
                    .getBytes(StandardCharsets.UTF_8)));
            assertEquals("output", asked.get("name").getAsString(), path);
            JsonObject own = output(ModelServerTest.post(server, path, body("input", x, "[{\"name\":\"logits\"}]")
                    .getBytes(StandardCharsets.UTF_8)));
            assertEquals("logits", own.get("name").getAsString(), path);
            HttpResponse<String> wrong = ModelServerTest.post(server, path, body("data", x, null).getBytes(StandardCharsets.UTF_8));
            assertEquals(400, wrong.statusCode(), wrong.body());
            assertTrue(wrong.body().contains("unknown input \\\"data\\\"; the model's input is \\\"x\\\" (or \\\"input\\\")"),
                    wrong.body());
            HttpResponse<String> wrongOut = ModelServerTest.post(server, path, body("x", x, "[{\"name\":\"y\"}]")
                    .getBytes(StandardCharsets.UTF_8));
            assertEquals(400, wrongOut.statusCode(), wrongOut.body());
            assertTrue(wrongOut.body().contains("the model's output is \\\"logits\\\" (or \\\"output\\\")"), wrongOut.body());
        }
        // a model without the graph's names answers as before: the generic names only
        HttpResponse<String> plainX = ModelServerTest.post(server, "/v2/models/plain/infer", body("x", x, null)
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(400, plainX.statusCode(), plainX.body());
        assertTrue(plainX.body().contains("the model's input is \\\"input\\\""), plainX.body());
        assertEquals("output", output(ModelServerTest.post(server, "/v2/models/plain/infer", body("input", x, null)
                .getBytes(StandardCharsets.UTF_8))).get("name").getAsString());
    }

    /** A bad value in the input tensor is refused naming the input as the model does, whichever name the client used. */
    @Test
    void aBadInputTensorIsNamedAsTheModelNamesIt() throws Exception {
        Tensor x = TestModels.randomInput(new Random(9), 1);
        for (String path : new String[] {"/v2/models/onnx/infer", "/v2/models/onnx/infer/"}) {
            for (String name : new String[] {"x", "input"}) {
                String[][] cases = {
                    {body(name, x, null).replaceFirst("\"data\":\\[", "\"data\":[\"a\","), "\"data\" holds string, not a number"},
                    {body(name, x, null).replace("\"FP32\"", "\"INT8\""), "datatype must be FP32, got INT8"},
                    {body(name, x, null).replaceFirst("\"shape\":\\[1,", "\"shape\":[2,"), "\"data\" has 784 numbers"},
                };
                for (String[] c : cases) {
                    HttpResponse<String> r = ModelServerTest.post(server, path, c[0].getBytes(StandardCharsets.UTF_8));
                    assertEquals(400, r.statusCode(), r.body());
                    String error = JsonParser.parseString(r.body()).getAsJsonObject().get("error").getAsString();
                    assertTrue(error.startsWith("input \"x\": ") && error.contains(c[1]), path + " " + name + ": " + error);
                }
            }
        }
        // a model without the graph's names still calls it "input"
        HttpResponse<String> plain = ModelServerTest.post(server, "/v2/models/plain/infer",
                body("input", x, null).replace("\"FP32\"", "\"INT8\"").getBytes(StandardCharsets.UTF_8));
        assertEquals(400, plain.statusCode(), plain.body());
        assertTrue(plain.body().contains("input \\\"input\\\": datatype must be FP32"), plain.body());
    }

    @Test
    void namesAreTakenOnlyWhenTheDescriptionGivesOneForASide() {
        assertEquals(TensorNames.GENERIC, TensorNames.of("{}"));
        assertEquals(TensorNames.GENERIC, TensorNames.of("not json"));
        assertEquals(new TensorNames("x", "output"),
                TensorNames.of("{\"imported_from\":{\"inputs\":[\"x\"],\"outputs\":[\"logits\",\"indices\"]}}"));
        assertEquals(new TensorNames("input", "y"), TensorNames.of("{\"imported_from\":{\"inputs\":[\"\"],\"outputs\":[\"y\"]}}"));
    }
}
