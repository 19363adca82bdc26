package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code COMMAND --help} is the text recorded in help/COMMAND.txt, written from each command before its model,
 * preprocessing and base options moved to the shared mixins ({@code ModelOptions}, {@code PreprocessingOption},
 * {@code BasePreprocessingOption}; issue 14): moving the declarations changed nothing a user sees. (train's own copy:
 * {@link TrainHelpUnchangedTest}.) Regenerate deliberately with {@code -Dconvnet4j.help.write=true} after a wanted
 * change.
 */
class CommandHelpUnchangedTest {
    @ParameterizedTest
    @ValueSource(strings = {"evaluate", "predict", "import", "transfer", "advise"})
    void helpIsTheRecordedText(String command) throws Exception {
        CliRun run = CliRun.of(command, "--help");
        assertEquals(0, run.exitCode(), command);
        Path golden = Path.of("src", "test", "resources", "help", command + ".txt");
        if (Boolean.getBoolean("convnet4j.help.write")) {
            Files.writeString(golden, run.out(), StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), run.out(), command + " --help");
    }
}
