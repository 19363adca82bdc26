package org.convnet4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.convnet4j.benchmark.BenchResult;
import org.convnet4j.benchmark.Workloads;
import org.convnet4j.io.onnx.OnnxImporter;
import org.convnet4j.io.onnx.OnnxReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code convnet4j bench}: the standard workloads W1..W6, named like the PyTorch reference scripts. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        header = "Measure the standard workloads W1-W7 (GFLOPS, images/s) like shared/bench/run_reference.sh.",
        description = {
            "Measures the standard workloads (the same as shared/bench/run_reference.sh) and prints one line per",
            "workload: WORKLOAD<TAB>value<TAB>notes, value in GFLOPS or images/s (median of timed repetitions",
            "after a warm-up), notes with the range and the Java heap high-water mark (from GC notifications).",
            "W0 is the FMA peak the cores deliver right now: on a shared machine read the others against it.",
            "  W1 SGEMM n=512/1024/2048            W2 conv 3x3 N8 C64 56x56 -> 64 forward",
            "  W3 LeNet-5 training, batch 64        W4 ResNet-50 inference, batch 1 and 8",
            "  W5 VGG16, GoogLeNet inference b1     W6 ResNet-50 training step, batch 8",
            "  W7 MobileNetV2, EfficientNet-B0 inference b1 (ONNX files from bench/w7_onnx_models.py)",
            "All of them take several minutes; W4-W6 need the zoo models (reported NA when missing)."},
        footer = {"", "Examples:", "  convnet4j bench --only W1,W3", "  convnet4j bench --json > results.json",
            "  convnet4j bench --quick          (a smoke test: minimal repetitions, not a measurement)"})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print a JSON array of results instead of tab-separated lines.")
    boolean json;

    @Option(names = "--only", split = ",", paramLabel = "W1,W3,...",
            description = "Run only these workloads (W0..W7; W0 is the FMA peak probe, always run otherwise).")
    List<String> only;

    @Option(names = "--quick", description = "Minimal warm-up and repetitions: checks that everything runs.")
    boolean quick;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Set<String> groups;
        try {
            groups = Workloads.select(only);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("bench: " + e.getMessage().replaceFirst("'; known", "' in --only; known"), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        List<BenchResult> results = new ArrayList<>();
        Workloads.Settings settings = Workloads.Settings.measurement()
                .withOnnxReader(file -> OnnxImporter.importModel(OnnxReader.readModel(file), file.toString()));
        Workloads workloads = new Workloads(quick ? settings.quickly() : settings, r -> {
            results.add(r);
            if (!json) {
                out.println(r.tabLine());
                out.flush();
            }
        });
        if (!json) {
            out.println("# convnet4j bench" + (quick ? " --quick (smoke test, not a measurement)" : "") + "; "
                    + workloads.environment());
        }
        for (String g : groups) {
            workloads.run(g);
        }
        if (json) {
            out.print(BenchResult.toJsonArray(results));
        }
        out.flush();
        return 0;
    }
}
