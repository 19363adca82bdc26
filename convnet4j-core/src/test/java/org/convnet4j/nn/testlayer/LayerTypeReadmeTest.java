package org.convnet4j.nn.testlayer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's "Adding a layer type" shows ScaledSoftsign.Type as it is in the file that the tests compile and run. */
class LayerTypeReadmeTest {
    @Test
    void theReadmeShowsTheTypeAsCompiled() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher m = Pattern.compile("<!-- the same text as ScaledSoftsign.Type \\(LayerTypeReadmeTest\\) -->\\s*```java\\n(.*?)```",
                Pattern.DOTALL).matcher(readme);
        assertTrue(m.find(), "README block marked for LayerTypeReadmeTest");
        String source = Files.readString(Path.of("src", "test", "java", "org", "convnet4j", "nn", "testlayer",
                "ScaledSoftsign.java"));
        assertTrue(squash(source).contains(squash(m.group(1))), "README block differs from ScaledSoftsign.Type:\n"
                + m.group(1));
    }

    private static String squash(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }
}
