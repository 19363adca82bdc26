package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code train --help} is the text recorded in help/train.txt (written from the command before its training options
 * moved to the shared {@code internal.cli.TrainingOptions} mixin, issue 14): moving the declarations changed nothing
 * a user sees. Regenerate deliberately with {@code -Dconvnet4j.help.write=true} after a wanted change.
 */
class TrainHelpUnchangedTest {
    @Test
    void trainHelpIsTheRecordedText() throws Exception {
        CliRun run = CliRun.of("train", "--help");
        assertEquals(0, run.exitCode());
        Path golden = Path.of("src", "test", "resources", "help", "train.txt");
        if (Boolean.getBoolean("convnet4j.help.write")) {
            Files.writeString(golden, run.out(), StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), run.out());
    }
}
