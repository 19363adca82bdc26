package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The help bundles (org/convnet4j/cli/help/COMMAND.properties) and the commands agree: every option and argument a
 * user sees has a description, and every key of a bundle is read by its command or, through picocli's fallback to the
 * parent's bundle, by one of its subcommands (a key left behind by a renamed option would be dead text).
 */
class HelpBundlesTest {
    @Test
    void everyVisibleOptionAndArgumentHasADescription() {
        List<String> missing = new ArrayList<>();
        for (CommandLine cl : all(new CommandLine(new Main()), new ArrayList<>())) {
            for (ArgSpec a : cl.getCommandSpec().args()) {
                boolean hidden = a instanceof OptionSpec o ? o.hidden() : ((PositionalParamSpec) a).hidden();
                if (!hidden && String.join("", a.description()).isBlank()) {
                    missing.add(cl.getCommandSpec().qualifiedName() + " " + a.paramLabel()
                            + (a instanceof OptionSpec o ? " " + o.longestName() : ""));
                }
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void everyBundleKeyIsRead() throws Exception {
        List<String> dead = new ArrayList<>();
        int keys = 0;
        for (CommandLine cl : all(new CommandLine(new Main()), new ArrayList<>())) {
            CommandSpec spec = cl.getCommandSpec();
            String bundle = spec.resourceBundleBaseName();
            if (bundle == null || cl.getParent() != null && bundle.equals(cl.getParent().getCommandSpec()
                    .resourceBundleBaseName())) {
                continue; // picocli's help command inherits the top command's bundle
            }
            Properties p = new Properties();
            try (InputStream in = getClass().getResourceAsStream("/" + bundle.replace('.', '/') + ".properties")) {
                p.load(in);
            }
            Set<String> read = new HashSet<>();
            collectKeys(cl, read, bundle.endsWith(".convnet4j"));
            for (String key : p.stringPropertyNames()) {
                keys++;
                if (!read.contains(key.replaceFirst("^(usage\\.\\w+)\\.\\d+$", "$1").replaceFirst("\\.\\d+$", ""))) {
                    dead.add(bundle + ": " + key);
                }
            }
        }
        assertTrue(keys > 200, "keys: " + keys);
        assertEquals(List.of(), dead);
    }

    /** The keys picocli reads for this command and (all = for the top bundle, whose keys every command reads) below. */
    private static void collectKeys(CommandLine cl, Set<String> into, boolean all) {
        CommandSpec spec = cl.getCommandSpec();
        into.addAll(List.of("usage.header", "usage.description", "usage.footer", "limit.more"));
        for (OptionSpec o : spec.options()) {
            into.add(o.descriptionKey().isEmpty() ? o.longestName().replaceFirst("^-+", "") : o.descriptionKey());
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            into.add(p.paramLabel() + "[" + p.index() + "]");
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (all || sub.getCommandSpec().resourceBundleBaseName() != null) {
                collectKeys(sub, into, all);
            }
        }
    }

    private static List<CommandLine> all(CommandLine cl, List<CommandLine> into) {
        into.add(cl);
        cl.getSubcommands().forEach((name, sub) -> {
            if (name.equals(sub.getCommandName())) {
                all(sub, into);
            }
        });
        return into;
    }
}
