package org.convnet4j.tensor.kernels;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Keeps HotSpot's C1 compiler away from the GEMM micro-kernels (and the direct products' register tiles, the Winograd
 * transforms), so that C2 compiles them.
 *
 * <p>Why: with tiered compilation, a method that becomes hot while C2's queue is long is first compiled by C1
 * at tier 2. For the micro-kernels that is a trap: C1 does not intrinsify the Vector API (every vector is a
 * boxed object, ~100x slower), the follow-up tier-3 compile fails ("out of virtual registers in linear scan"),
 * and in the runs we watched the method then stayed at tier 2 for good — a whole benchmark at 1/20 of its
 * speed, decided by a race with the JIT queue at start-up (on a busy machine, most runs). Excluding C1 for
 * these methods sends them from the interpreter straight to C2, every time; {@code -XX:-TieredCompilation}
 * has the same effect for the whole JVM.
 *
 * <p>The directive is added at run time through the JVM's diagnostic-command MBean (what {@code jcmd
 * Compiler.directives_add} does). Where that is unavailable (another JVM, no {@code java.management}) nothing
 * happens and the kernels merely run at the JIT's mercy, as before.
 *
 * <p>Changing the compiler directives of the host JVM is a global side effect, so a library must not do it
 * behind an application's back: it happens only when the application asks, with the system property
 * {@value #PROPERTY}{@code =true} or by calling {@link KernelProvider#installJitDirectives()} (the command line
 * does; so do the tests and benchmarks).
 */
final class JitDirectives {
    /** System property that installs the directive when the vector kernels load. */
    static final String PROPERTY = "convnet4j.jit.directives";

    private static final String DIRECTIVE = "[{ match: [\"org/convnet4j/tensor/kernels/VectorGemm.microKernel*\","
            + " \"org/convnet4j/tensor/kernels/VectorDirectProducts.tile*\","
            + " \"org/convnet4j/tensor/kernels/VectorDirectPixels.tile*\","
            + " \"org/convnet4j/tensor/kernels/VectorWinograd.*\","
            + " \"org/convnet4j/tensor/kernels/VectorRowDots.*\"], c1: { Exclude: true } }]";
    private static volatile boolean installed;

    /** The directive file's name is this prefix, the writing process's id and {@code .json}. */
    static final String FILE_PREFIX = "convnet4j-jit-p";

    private JitDirectives() {
    }

    /** Removes directive files of processes that are no longer alive (killed between writing and deleting). */
    static void removeDeadProcessesFiles(Path dir) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, FILE_PREFIX + "*.json")) {
            for (Path f : files) {
                String n = f.getFileName().toString();
                String digits = n.substring(FILE_PREFIX.length(), n.length() - ".json".length());
                if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(digits);
                if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (Exception e) {
            // an unreadable temporary folder: nothing to clean, and the directive still works
        }
    }

    /** Installs the directive once per JVM; true if the JVM accepted it. Never throws. */
    static synchronized boolean install() {
        if (installed || Boolean.getBoolean("convnet4j.jit.noDirectives")) {
            return installed;
        }
        Path file = null;
        try {
            Path dir = Path.of(System.getProperty("java.io.tmpdir"));
            removeDeadProcessesFiles(dir);
            // The JVM reads directives only from a file. It exists for the milliseconds of the call below; its name
            // carries this process id, so a file left by a process killed in that window is removed by the next
            // run (any process's) once that process is gone.
            file = dir.resolve(FILE_PREFIX + ProcessHandle.current().pid() + ".json");
            Files.writeString(file, DIRECTIVE, StandardCharsets.UTF_8);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("com.sun.management:type=DiagnosticCommand");
            server.invoke(name, "compilerDirectivesAdd", new Object[] {new String[] {file.toString()}},
                    new String[] {String[].class.getName()});
            installed = true;
        } catch (Exception | LinkageError e) {
            // Not HotSpot, no management module, or not permitted: the kernels still work, only maybe slower.
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (Exception ignored) {
                    // left for the next run's removeDeadProcessesFiles
                }
            }
        }
        return installed;
    }
}
