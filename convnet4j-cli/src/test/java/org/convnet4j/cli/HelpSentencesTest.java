package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The descriptions of the transfer-learning commands are written one paragraph per line, each line whole sentences,
 * so that picocli wraps them at any width. They were written as fixed 110-column lines, which picocli wrapped again
 * at 80: `transfer --help` printed "2 fine-tunes" alone at the end of a line and "the last layers; ..." on the next,
 * and `advise --help` "its similarity to the" / "base model's training data".
 */
class HelpSentencesTest {
    @ParameterizedTest
    @ValueSource(strings = {"transfer", "advise", "experiment transfer"})
    void everyDescriptionLineIsWholeSentences(String command) {
        String[] lines = spec(command).usageMessage().description();
        assertTrue(lines.length > 1, command);
        for (String line : lines) {
            assertTrue(line.isEmpty() || (Character.isUpperCase(line.charAt(0)) || line.startsWith("--"))
                    && line.endsWith("."), command + ": not whole sentences: \"" + line + "\"");
        }
    }

    /** The keep rule as `transfer` applies it (FineTuning's --keep-se test), not the rule before --keep-se. */
    @Test
    void transferStatesTheKeepRuleItApplies() {
        String text = String.join(" ", spec("transfer").usageMessage().description());
        assertTrue(text.contains("kept over the head only when their validation loss is lower by at least --keep-se"
                + " standard errors and their validation accuracy is not lower"), text);
        assertFalse(text.contains("beat the head on validation loss and accuracy"), text);
    }

    private static CommandSpec spec(String command) {
        CommandLine cl = new CommandLine(new Main());
        for (String name : command.split(" ")) {
            cl = cl.getSubcommands().get(name);
        }
        return cl.getCommandSpec();
    }
}
