package org.convnet4j.testsupport;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * With {@code -Dconvnet4j.test.classCpu=true} on Maven's command line (surefire and failsafe pass Maven's user
 * properties to the test JVM), prints one line per test class: its wall time, the CPU time of this JVM and the CPU
 * time of the child processes this JVM waited for (Linux {@code /proc/self/stat} cutime + cstime: child JVMs, python
 * and node processes, Spark drivers and cluster JVMs, YARN containers started through a NodeManager in this JVM; a
 * process killed before it was reaped is not counted), from before the class's {@code @BeforeAll} to after its
 * {@code @AfterAll}. CPU time is the measure of a test's cost on a loaded machine, where wall time mostly says how
 * busy the machine was; the "this JVM" figure includes the compiler's work, so a class run first in a fork pays more
 * of it. Off otherwise (nothing printed, nothing read). Registered for every test class of every module that has
 * core's test jar by JUnit's extension autodetection (docs/SPARK.md, "Test time").
 */
public final class ClassCpu implements BeforeAllCallback, AfterAllCallback {
    private static final boolean ON = Boolean.getBoolean("convnet4j.test.classCpu");
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ClassCpu.class);

    private record Start(long wall, long cpu, long children) {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (ON) {
            context.getStore(NS).put("start", new Start(System.nanoTime(), processCpuNanos(), childrenCpuNanos()));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!ON) {
            return;
        }
        Start s = context.getStore(NS).get("start", Start.class);
        if (s == null) {
            return;
        }
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        System.out.printf(Locale.ROOT, "class-cpu %s: wall %.1f s, cpu %.1f s (this JVM), children %.1f s, load %.1f%n",
                context.getRequiredTestClass().getSimpleName(), (System.nanoTime() - s.wall()) / 1e9,
                (processCpuNanos() - s.cpu()) / 1e9, (childrenCpuNanos() - s.children()) / 1e9, load);
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    /** cutime + cstime of /proc/self/stat (clock ticks of 10 ms on Linux), in ns; 0 elsewhere. */
    private static long childrenCpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": state is field 3, so field N is f[N - 3]; cutime 16, cstime 17
            return (Long.parseLong(f[16 - 3]) + Long.parseLong(f[17 - 3])) * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
