package org.convnet4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The start of a child JVM's command line for tests whose child does little work (a download, a refusal, a server
 * that answers one listing, a model file's notes): {@code java}, the light-start options, {@code jvmOptions}, then
 * {@code -cp} and this JVM's class path; the caller adds the main class and its arguments.
 *
 * <p>The light-start options cut what a short-lived JVM spends besides the command: {@code -XX:TieredStopAtLevel=1}
 * (only the client compiler: C2 compiles hot methods on a second thread for the seconds such a child lives, and it
 * was most of a {@code weights fetch} child's CPU time), {@code -XX:+UseSerialGC} (no parallel and concurrent GC
 * threads for a heap of a few MB; not where a test's outcome depends on {@link Runtime#maxMemory()}, which the
 * collector changes), {@code -Xshare:auto} (the JDK's class-data archive, the default, said).
 *
 * <p>{@link #smallWork} is for children that train or run a network on a few hundred pictures, where what is tested
 * is what they print or how they stop, not their speed: C1 only and the scalar kernels
 * ({@code -Dconvnet4j.kernels=scalar}: the Vector API is compiled to vector instructions by C2 alone, under C1 it is
 * far slower than plain loops). {@code train --limit 26 --epochs 3} took 3.8 s of CPU instead of 9.5 s (the same
 * losses, printed to 4 decimals): at this size the optimising compiler costs more than it saves.
 */
final class ChildJvm {
    static final List<String> LIGHT = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");

    private ChildJvm() {
    }

    /** {@code java LIGHT jvmOptions -cp CLASSPATH}. */
    static List<String> light(String... jvmOptions) {
        return command(true, jvmOptions);
    }

    /**
     * {@code java -XX:TieredStopAtLevel=1 -Dconvnet4j.kernels=scalar jvmOptions -cp CLASSPATH}: a child that trains
     * or predicts a little (the default collector).
     */
    static List<String> smallWork(String... jvmOptions) {
        List<String> options = new ArrayList<>(List.of("-Dconvnet4j.kernels=scalar"));
        options.addAll(List.of(jvmOptions));
        return command(false, options.toArray(String[]::new));
    }

    /** {@code java -XX:TieredStopAtLevel=1 jvmOptions -cp CLASSPATH}: the default collector, for tests of memory limits. */
    static List<String> lightJit(String... jvmOptions) {
        return command(false, jvmOptions);
    }

    private static List<String> command(boolean serialGc, String... jvmOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(serialGc ? LIGHT : List.of(LIGHT.get(0), LIGHT.get(2)));
        cmd.addAll(List.of(jvmOptions));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        return cmd;
    }
}
