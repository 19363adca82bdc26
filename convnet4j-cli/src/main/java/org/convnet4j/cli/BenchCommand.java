package org.convnet4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.convnet4j.benchmark.BenchResult;
import org.convnet4j.benchmark.Workloads;
import org.convnet4j.io.weights.ModelLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code convnet4j bench}: the standard workloads W1..W6, named like the PyTorch reference scripts. */
@Command(name = "bench", resourceBundle = "org.convnet4j.cli.help.bench")
public final class BenchCommand extends CliCommand {
    @Mixin
    JsonOption json;

    @Option(names = "--only", split = ",", paramLabel = "W1,W3,...")
    List<String> only;

    @Option(names = "--quick")
    boolean quick;

    @Override
    public Integer call() {
        Set<String> groups;
        try {
            groups = Workloads.select(only);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("bench: " + e.getMessage().replaceFirst("'; known", "' in --only; known"), e);
        }
        PrintWriter out = out();
        List<BenchResult> results = new ArrayList<>();
        Workloads.Settings settings = Workloads.Settings.measurement()
                .withOnnxReader(file -> ModelLoader.importOnnx(ModelLoader.readOnnx(file), file));
        Workloads workloads = new Workloads(quick ? settings.quickly() : settings, r -> {
            results.add(r);
            if (!json.given) {
                out.println(r.tabLine());
                out.flush();
            }
        });
        if (!json.given) {
            out.println("# convnet4j bench" + (quick ? " --quick (smoke test, not a measurement)" : "") + "; "
                    + workloads.environment());
        }
        for (String g : groups) {
            workloads.run(g);
        }
        if (json.given) {
            out.print(BenchResult.toJsonArray(results));
        }
        out.flush();
        return 0;
    }
}
