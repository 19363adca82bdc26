package org.convnet4j.testsupport;

import java.nio.file.Path;
import org.opentest4j.AssertionFailedError;

/**
 * ONNX Runtime (onnxruntime-node, run by tools/fixtures/onnx_ort_eval.js) as the second evaluator of the ONNX files
 * the io and cli tests write: one rule for every module's tests on whether it must run. It runs with
 * {@code -Dconvnet4j.onnxruntime=DIR} (a folder where tools/onnx-runtime-install.sh put it; .ci/run does both and passes
 * the folder, tools/onnx-runtime-check.sh on demand). Without it a developer's run leaves the comparison out, but in CI
 * ({@code CI=true}) its absence fails the test, as a skip does there ({@link NoSkipInCi}): a CI run without the folder
 * has lost its second evaluator.
 */
public final class OnnxRuntimeEvaluator {
    private OnnxRuntimeEvaluator() {
    }

    /** The folder of onnxruntime-node, or null without it outside CI; in CI its absence fails the calling test. */
    public static String folder() {
        String ort = System.getProperty("convnet4j.onnxruntime");
        if (ort == null && NoSkipInCi.inCi()) {
            throw new AssertionFailedError("ONNX Runtime is required in CI (CI=true) and -Dconvnet4j.onnxruntime=DIR is"
                    + " not given: install it with bash tools/onnx-runtime-install.sh DIR (as .ci/run does) and pass"
                    + " the folder");
        }
        return ort;
    }

    /**
     * The process {@code node tools/fixtures/onnx_ort_eval.js ARGS} with onnxruntime-node of {@code folder} on its
     * module path, its error stream joined to its output. Tests run in their module's folder, so the script and a
     * relative {@code folder} are taken from the repository root, one level up.
     */
    public static ProcessBuilder process(String folder, String... args) {
        String[] command = new String[args.length + 2];
        command[0] = "node";
        command[1] = Path.of("..", "tools", "fixtures", "onnx_ort_eval.js").toString();
        System.arraycopy(args, 0, command, 2, args.length);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Path root = Path.of(folder).isAbsolute() ? Path.of(folder) : Path.of("..").resolve(folder);
        pb.environment().put("NODE_PATH", root.resolve("node_modules").toString());
        return pb;
    }
}
