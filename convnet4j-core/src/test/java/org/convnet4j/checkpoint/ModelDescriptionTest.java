package org.convnet4j.checkpoint;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

class ModelDescriptionTest {
    private static ModelDescription sample(boolean withTraining) {
        JsonObject arch = Json.parseObject("{\"name\":\"vgg16\",\"blocks\":[2,2,3,3,3]}", "test");
        JsonObject pre = Json.parseObject("{\"mean\":[0.485,0.456,0.406],\"resize\":256}", "test");
        ModelDescription.TrainingState training = new ModelDescription.TrainingState(4, 9000L, 42L,
                "25214903917", Json.parseObject("{\"type\":\"adam\",\"lr\":0.001}", "test"),
                Json.parseObject("{\"loss\":[2.3,1.1],\"accuracy\":[0.1,0.6]}", "test"));
        return new ModelDescription(arch, List.of("cat", "dog"), Shape.of(3, 224, 224), pre,
                withTraining ? training : null);
    }

    @Test
    void survivesJsonTextRoundTrip() {
        for (boolean withTraining : new boolean[] {true, false}) {
            ModelDescription d = sample(withTraining);
            JsonObject json = Json.parseObject(Json.toPretty(d.toJson()), "round trip");
            ModelDescription back = ModelDescription.fromJson(json, "round trip");
            assertEquals(d, back);
            assertEquals(withTraining, json.has("training"));
        }
        JsonObject json = sample(true).toJson();
        assertEquals(224, json.getAsJsonArray("input_shape").get(2).getAsInt());
        assertEquals(9000L, json.getAsJsonObject("training").get("step").getAsLong());
    }

    @Test
    void namesTheMissingOrWrongKey() {
        JsonObject json = sample(true).toJson();
        json.remove("architecture");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelDescription.fromJson(json, "model.c4j"));
        assertEquals("model.c4j: description lacks 'architecture'", e.getMessage());

        JsonObject badShape = sample(false).toJson();
        JsonArray shape = new JsonArray();
        shape.add(3);
        shape.add(0);
        badShape.add("input_shape", shape);
        e = assertThrows(IllegalArgumentException.class, () -> ModelDescription.fromJson(badShape, "model.c4j"));
        assertTrue(e.getMessage().startsWith("model.c4j: input_shape: "), e.getMessage());

        JsonObject badEpoch = sample(true).toJson();
        badEpoch.getAsJsonObject("training").addProperty("epoch", "four");
        e = assertThrows(IllegalArgumentException.class, () -> ModelDescription.fromJson(badEpoch, "model.c4j"));
        assertEquals("model.c4j: training: 'epoch' is not a number", e.getMessage());
    }
}
