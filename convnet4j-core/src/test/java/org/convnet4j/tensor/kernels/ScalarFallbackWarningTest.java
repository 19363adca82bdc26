package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Without {@code --add-modules jdk.incubator.vector} the library runs the scalar kernels and says so in one WARNING
 * record naming the missing option (issue 14, Deliver 3: not silently at half speed); with the module, the vector
 * kernels and no such record. The choice is made once per JVM, so each case is a child JVM (under a second each).
 */
class ScalarFallbackWarningTest {
    /** The child: the name of the kernels chosen at start-up; the library's records go to stderr (JUL's console). */
    public static void main(String[] args) {
        System.out.println(KernelProvider.get().name());
    }

    @Test
    void withoutTheVectorModuleOneWarningNamesTheMissingOption() throws Exception {
        String[] r = child();
        assertEquals("scalar", r[0].strip(), r[1]);
        List<String> warnings = r[1].lines().filter(l -> l.startsWith("WARNING")).toList();
        assertEquals(1, warnings.size(), r[1]);
        assertTrue(warnings.get(0).contains("scalar kernels") && warnings.get(0)
                .endsWith("start the JVM with --add-modules jdk.incubator.vector"), r[1]);
    }

    @Test
    void withTheVectorModuleTheVectorKernelsRunUnannounced() throws Exception {
        String[] r = child("--add-modules", "jdk.incubator.vector");
        assertEquals("vector", r[0].strip(), r[1]);
        assertTrue(r[1].lines().noneMatch(l -> l.contains("scalar kernels")), r[1]);
    }

    /** stdout and stderr of this class's main in a JVM with {@code options} (C1 only: it does no real work). */
    private static String[] child(String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ScalarFallbackWarningTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        // stderr is a few lines: read after stdout without filling a pipe
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child still running");
        assertEquals(0, p.exitValue(), err);
        return new String[] {out, err};
    }
}
