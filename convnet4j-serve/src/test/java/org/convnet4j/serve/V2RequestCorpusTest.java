package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every input of {@link V2RequestFuzz}'s committed corpus through its check, in every build, without Jazzer's start:
 * the files are listed in the corpus folder's {@code index.txt} (read from the class path, which may be a jar).
 */
class V2RequestCorpusTest {
    private static final String DIR = "/org/convnet4j/serve/V2RequestFuzzInputs/v2Request/";

    @Test
    void everyCorpusInputIsARequestOfTheModelsShapeOrOneShortRefusal() throws IOException {
        List<String> names = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream(DIR + "index.txt")) {
            assertTrue(in != null, "no " + DIR + "index.txt");
            new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty()).forEach(names::add);
        }
        assertTrue(names.size() >= 30, "the corpus lists " + names.size() + " inputs");
        List<String> failed = new ArrayList<>();
        for (String name : names) {
            byte[] data;
            try (InputStream in = getClass().getResourceAsStream(DIR + name)) {
                assertTrue(in != null, "listed but missing: " + name);
                data = in.readAllBytes();
            }
            try {
                V2RequestFuzz.check(data);
            } catch (AssertionError | RuntimeException e) {
                failed.add(name + ": " + e);
            }
        }
        assertTrue(failed.isEmpty(), String.join("\n", failed));
    }
}
