package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The README's command lines name only options their command has: in every code block line (with its {@code \}
 * continuations) and every inline code span, {@code convnet4j COMMAND [SUBCOMMAND] ... --option} is resolved against
 * picocli's command tree and each {@code --option} up to a shell pipe, {@code &&} or {@code ;} must be one of the
 * command's options (the inherited --debug and --max-model-memory included). Commands the cli module does not have
 * ({@code spark}, in convnet4j-spark) are left to that module.
 */
class ReadmeCliReferenceTest {
    private static final Pattern COMMAND = Pattern.compile("(?<![\\w./-])(?:\\./)?convnet4j((?: [a-z][a-z0-9-]*)+)");
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*");

    @Test
    void everyOptionInTheReadmeBelongsToItsCommand() throws Exception {
        List<String> snippets = snippets(Files.readString(Path.of("..", "README.md")));
        CommandLine top = new CommandLine(new Main());
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (String snippet : snippets) {
            Matcher m = COMMAND.matcher(snippet);
            while (m.find()) {
                CommandLine cl = top;
                String path = "";
                for (String word : m.group(1).trim().split(" ")) {
                    CommandLine sub = cl.getSubcommands().get(word);
                    if (sub == null) {
                        break;
                    }
                    cl = sub;
                    path += " " + word;
                }
                if (cl == top) {
                    continue; // not a cli-module command (spark ...) or the bare program name
                }
                String rest = snippet.substring(m.end()).split(" \\| | && |; ", 2)[0];
                int next = rest.indexOf("convnet4j ");
                if (next >= 0) {
                    rest = rest.substring(0, next);
                }
                Matcher o = OPTION.matcher(rest);
                while (o.find()) {
                    checked++;
                    if (cl.getCommandSpec().findOption(o.group()) == null) {
                        wrong.add("convnet4j" + path + " " + o.group() + "   in: " + snippet.strip());
                    }
                }
            }
        }
        assertTrue(checked > 100, "options checked: " + checked);
        assertEquals(List.of(), wrong, "README options their command does not have");
    }

    /** Code block lines (continuations joined) and inline code spans. */
    static List<String> snippets(String markdown) {
        List<String> out = new ArrayList<>();
        boolean block = false;
        StringBuilder pending = new StringBuilder();
        for (String line : markdown.split("\n")) {
            if (line.startsWith("```")) {
                block = !block;
                continue;
            }
            if (block) {
                pending.append(line.strip());
                if (line.endsWith("\\")) {
                    pending.setLength(pending.length() - 1);
                    pending.append(' ');
                } else {
                    out.add(pending.toString());
                    pending.setLength(0);
                }
            } else {
                Matcher span = Pattern.compile("`([^`]+)`").matcher(line);
                while (span.find()) {
                    out.add(span.group(1));
                }
            }
        }
        return out;
    }
}
