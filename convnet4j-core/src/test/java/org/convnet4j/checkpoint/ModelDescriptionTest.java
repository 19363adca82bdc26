package org.convnet4j.checkpoint;

import org.convnet4j.internal.json.Json;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

class ModelDescriptionTest {
    private static ModelDescription sample(boolean withTraining) {
        String arch = "{\"name\": \"vgg16\", \"blocks\":[2,2,3,3,3]}";
        String pre = "{\"mean\":[0.485,0.456,0.406],\"resize\":256}";
        ModelDescription.TrainingState training = new ModelDescription.TrainingState(4, 9000L, 42L,
                "25214903917", "{\"type\":\"adam\",\"lr\":0.001}",
                "{\"loss\":[2.3,1.1],\"accuracy\":[0.1,0.6]}");
        return new ModelDescription(arch, List.of("cat", "dog"), Shape.of(3, 224, 224), pre,
                withTraining ? training : null);
    }

    @Test
    void survivesJsonTextRoundTrip() {
        for (boolean withTraining : new boolean[] {true, false}) {
            ModelDescription d = sample(withTraining);
            JsonObject json = Json.parseObject(d.toJson(), "round trip");
            ModelDescription back = ModelDescription.fromJson(Json.toPretty(json), "round trip");
            assertEquals(d, back);
            assertEquals(withTraining, json.has("training"));
        }
        JsonObject json = Json.parseObject(sample(true).toJson(), "test");
        assertEquals(224, json.getAsJsonArray("input_shape").get(2).getAsInt());
        assertEquals(9000L, json.getAsJsonObject("training").get("step").getAsLong());
    }

    @Test
    void namesTheMissingOrWrongKey() {
        JsonObject json = Json.parseObject(sample(true).toJson(), "test");
        json.remove("architecture");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelDescription.fromJson(Json.toCompact(json), "model.c4j"));
        assertEquals("model.c4j: description lacks 'architecture'", e.getMessage());

        JsonObject badShape = Json.parseObject(sample(false).toJson(), "test");
        JsonArray shape = new JsonArray();
        shape.add(3);
        shape.add(0);
        badShape.add("input_shape", shape);
        e = assertThrows(IllegalArgumentException.class, () -> ModelDescription.fromJson(Json.toCompact(badShape), "model.c4j"));
        assertTrue(e.getMessage().startsWith("model.c4j: input_shape: "), e.getMessage());

        JsonObject badEpoch = Json.parseObject(sample(true).toJson(), "test");
        badEpoch.getAsJsonObject("training").addProperty("epoch", "four");
        e = assertThrows(IllegalArgumentException.class, () -> ModelDescription.fromJson(Json.toCompact(badEpoch), "model.c4j"));
        assertEquals("model.c4j: training: 'epoch' is not a number", e.getMessage());
    }
}
