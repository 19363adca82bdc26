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
        if (ort != null) {
            awaitInstall(Path.of(ort));
        }
        return ort;
    }

    /**
     * .ci/run installs onnxruntime-node in the background while Maven builds (only io's and cli's tests need it,
     * minutes later), with a marker {@code DIR.installing} that it removes when npm is done, whatever the outcome:
     * while the marker is there, wait for it (at most 10 minutes). A failed install then fails the test on the
     * runtime itself, and .ci/run on npm's exit code.
     */
    private static void awaitInstall(Path folder) {
        Path marker = folder.resolveSibling(folder.getFileName() + ".installing");
        long t0 = System.nanoTime();
        long deadline = t0 + 600_000_000_000L;
        while (java.nio.file.Files.exists(marker)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionFailedError("onnxruntime-node's install did not finish in 10 minutes (" + marker
                        + " is still there)");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionFailedError("interrupted while waiting for " + marker);
            }
        }
        if (System.nanoTime() - t0 > 1_000_000_000L) {
            System.out.printf(java.util.Locale.ROOT, "OnnxRuntimeEvaluator: waited %.0f s for onnxruntime-node's"
                    + " install%n", (System.nanoTime() - t0) / 1e9);
        }
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
