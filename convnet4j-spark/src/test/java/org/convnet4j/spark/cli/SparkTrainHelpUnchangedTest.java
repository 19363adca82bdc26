package org.convnet4j.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code spark train --help} is the text recorded in help/spark-train.txt (written from the command before its
 * training options moved to the shared {@code internal.cli.TrainingOptions} mixin, issue 14): its own wording and
 * order are kept. Regenerate deliberately with {@code -Dconvnet4j.help.write=true} after a wanted change.
 */
class SparkTrainHelpUnchangedTest {
    @Test
    void sparkTrainHelpIsTheRecordedText() throws Exception {
        StringWriter text = new StringWriter();
        CommandLine train = new CommandLine(new SparkMain()).getSubcommands().get("train");
        train.usage(new PrintWriter(text), CommandLine.Help.Ansi.OFF);
        Path golden = Path.of("src", "test", "resources", "help", "spark-train.txt");
        if (Boolean.getBoolean("convnet4j.help.write")) {
            Files.writeString(golden, text.toString(), StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), text.toString());
    }
}
