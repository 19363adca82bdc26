package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shared option mixins check once for every command: {@code --limit 0} is refused by {@link LimitOption} while the
 * command line is parsed, with one line naming the command, before any model or data is read (before, evaluate,
 * predict and transfer each had their own wording and advise and fuse no check of their own).
 */
class SharedOptionsTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "evaluate --model no-such.c4j --limit 0",
        "predict --model no-such.c4j --data fashion-mnist --limit 0",
        "transfer --base no-such.c4j --case 1 --data fashion-mnist --out x.c4j --limit 0",
        "advise --base no-such.c4j --data fashion-mnist --limit 0",
        "fuse --inputs a=fashion-mnist --out x.c4j --limit 0"})
    void limitBelowOneIsOneLineAtParseTime(String line) {
        CliRun run = CliRun.of(line.split(" "));
        String command = line.substring(0, line.indexOf(' '));
        assertEquals(2, run.exitCode(), run.err());
        assertEquals("convnet4j " + command + ": --limit must be at least 1 picture per class, got 0 (see 'convnet4j "
                + command + " --help')", run.err().strip());
        assertEquals("", run.out());
    }
}
