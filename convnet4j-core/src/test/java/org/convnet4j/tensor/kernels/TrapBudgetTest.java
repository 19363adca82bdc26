package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The GEMM micro-kernels and {@code mergeTile} call no binary lanewise vector operation, read from their bytecode
 * (the JDK's javap). Why it matters: every {@code add}, {@code mul}, {@code sub}, ... or {@code lanewise(Binary)}
 * inlines {@code VectorOperators.opKind}, whose profile carries about four class-check traps once other vector
 * code ran before C2; C2 sums those over one compilation and, past {@code -XX:PerMethodTrapLimit} (100 by default,
 * what library users run with), gives up the checks: the old store's 48 binary calls made the last 12-24 stores
 * box their vectors whenever the kernel was compiled late (a GEMM at 7 GFLOPS instead of 70-90; PERFORMANCE.md,
 * sixteenth pass). The FMAs of the loop and the store do not call {@code opKind}.
 */
class TrapBudgetTest {
    private static final Pattern CALL = Pattern.compile("Method jdk/incubator/vector/FloatVector\\.(\\w+):\\(([^)]*)\\)");
    private static final List<String> BINARY = List.of("add", "sub", "mul", "div", "min", "max", "pow", "and", "or");

    @Test
    void microKernelsAndMergeTileInlineNoBinaryVectorOperation() throws Exception {
        String code = javap(VectorGemm.class);
        for (String method : new String[] {"microKernel8x3", "microKernel4x3", "microKernel6x2", "mergeTile"}) {
            List<String> binary = new ArrayList<>();
            int fma = 0;
            Matcher m = CALL.matcher(body(code, method));
            while (m.find()) {
                String name = m.group(1);
                if (BINARY.contains(name) || name.equals("lanewise") && m.group(2).contains("VectorOperators$Binary")) {
                    binary.add(name + "(" + m.group(2) + ")");
                } else if (name.equals("fma")) {
                    fma++;
                }
            }
            assertEquals(List.of(), binary, method + " calls binary vector operations (each inlines opKind's traps)");
            // the parse found the method's calls: the 8x3 kernel has 24 FMAs in its loop and 24 in its store
            int expected = method.equals("microKernel8x3") ? 48
                    : method.equals("microKernel4x3") || method.equals("microKernel6x2") ? 24 : 1;
            assertEquals(expected, fma, method + ": FMA calls read from the bytecode");
        }
    }

    /**
     * mergeTile copies the overwrite case with {@code System.arraycopy} and runs vectors only in its merge loop (two
     * loads, one FMA, one store, one broadcast of beta). Inlined into C2-compiled callers, its old loop's vectors (a
     * tile load chosen by a branch or fed straight to a store) were boxed on the heap in some compilations: 72-150 MB
     * of garbage per warm ResNet-50 training step (PERFORMANCE.md, twentieth pass). The old loop had the same vector
     * calls but no arraycopy; the first fix (a vector copy loop) had three loads and two stores.
     */
    @Test
    void mergeTileCopiesWithoutVectors() throws Exception {
        String body = body(javap(VectorGemm.class), "mergeTile");
        java.util.Map<String, Integer> calls = new java.util.TreeMap<>();
        Matcher m = CALL.matcher(body);
        while (m.find()) {
            calls.merge(m.group(1), 1, Integer::sum);
        }
        assertEquals(java.util.Map.of("broadcast", 1, "fma", 1, "fromArray", 2, "intoArray", 1), calls,
                "mergeTile's vector calls");
        assertTrue(body.contains("Method java/lang/System.arraycopy"), "mergeTile copies the overwrite case with arraycopy");
    }

    private static String javap(Class<?> type) throws Exception {
        ToolProvider tool = ToolProvider.findFirst("javap").orElseThrow();
        Path where = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = tool.run(new PrintWriter(out), new PrintWriter(err), "-c", "-p", "-cp", where.toString(),
                type.getName());
        assertEquals(0, rc, "javap: " + err);
        return out.toString();
    }

    /** The bytecode of the one method named {@code name} in javap's listing. */
    private static String body(String code, String name) {
        Matcher start = Pattern.compile("\\n  \\S.* " + name + "\\(").matcher(code);
        assertTrue(start.find(), "no method " + name);
        int from = start.end();
        assertTrue(!start.find(), "two methods named " + name);
        Matcher next = Pattern.compile("\\n\\n  \\S").matcher(code);
        return code.substring(from, next.find(from) ? next.start() : code.length());
    }
}
