// Reproduces the JIT effect behind -XX:PerMethodTrapLimit (PERFORMANCE.md, sixteenth pass) without the launcher's
// option: first binary vector operations whose operator is not a constant, one operator class per phase, so that
// C2 compiles them speculating on one class and the next phase's class hits the check (class-check traps recorded
// in VectorOperators.opKind's profile); only then SGEMM n x n on one thread, so the micro-kernel is compiled after
// those traps. Prints the SGEMM's GFLOPS (CPU time of the thread) per block. A JIT probe, not engine code: it uses
// the Vector API itself to make the traps. Whether the traps land is itself a race (C2 must compile the probe within
// a phase), so run several starts, jars alternated:
//   java --add-modules jdk.incubator.vector -cp JAR bench/TrapFirst.java TRAP_SECONDS GEMM_SECONDS N [gelu]   (16 30 384)
// (with "gelu" the second phase runs VectorKernels.gelu over N * N values instead of SGEMM)
// add -XX:+UnlockDiagnosticVMOptions -XX:+PrintCompilation -XX:+PrintInlining to see the micro-kernel's stores.
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;

/**
 * Puts class-check traps into VectorOperators.opKind's profile first (binary lanewise calls with operators that
 * are not constants, several operator classes), and only then starts SGEMM, so the micro-kernel is compiled after
 * the traps by construction. Prints SGEMM GFLOPS (CPU time, one thread) per block.
 * args: trapSeconds gemmSeconds n
 */
public class TrapFirst {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final VectorOperators.Binary[] OPS = {VectorOperators.ADD, VectorOperators.SUB, VectorOperators.MUL,
        VectorOperators.DIV, VectorOperators.MAX, VectorOperators.ATAN2, VectorOperators.MIN, VectorOperators.POW};

    public static void main(String[] args) {
        double trapSeconds = Double.parseDouble(args[0]);
        double gemmSeconds = Double.parseDouble(args[1]);
        int n = Integer.parseInt(args[2]);
        boolean gelu = args.length > 3 && args[3].equals("gelu"); // VectorKernels.gelu on n * n values instead
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        float[] x = new float[4096];
        Random r = new Random(3);
        for (int i = 0; i < x.length; i++) x[i] = 1f + r.nextFloat();
        KernelProvider.installJitDirectives(); // as LayerProfile and the CLI do: C1 kept away from the micro-kernels
        long t0 = System.nanoTime();
        float sink = 0;
        int round = 0;
        // Phases with one operator each: C2 compiles mixed() speculating on that operator's class, and the next
        // phase's operator of another class hits the class check (a class_check trap recorded in opKind's profile).
        int phases = 8;
        for (int ph = 0; ph < phases; ph++) {
            VectorOperators.Binary op = OPS[ph % OPS.length];
            long p0 = System.nanoTime();
            while (System.nanoTime() - p0 < trapSeconds * 1e9 / phases) {
                sink += mixed(x, op, op);
                round++;
            }
        }
        System.out.printf("traps phase: %d rounds, %.1f s (sink %s)%n", round, (System.nanoTime() - t0) / 1e9, sink > 0);
        Kernels k = KernelProvider.vector(1);
        float[] a = new float[n * n], b = new float[n * n], c = new float[n * n];
        for (int i = 0; i < a.length; i++) { a[i] = r.nextFloat() - 0.5f; b[i] = r.nextFloat() - 0.5f; }
        long g0 = System.nanoTime();
        int block = 0;
        while (System.nanoTime() - g0 < gemmSeconds * 1e9) {
            long c0 = mx.getCurrentThreadCpuTime();
            int calls = 0;
            while (mx.getCurrentThreadCpuTime() - c0 < 2e9) {
                if (gelu) {
                    k.gelu(n * n, a, 0, c, 0);
                } else {
                    k.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
                }
                calls++;
            }
            double cpu = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
            if (gelu) {
                System.out.printf("gelu block %d at %.1f s: %.3f G values per s (CPU time, %d calls)%n", block++,
                        (System.nanoTime() - t0) / 1e9, (double) n * n * calls / cpu / 1e9, calls);
            } else {
                System.out.printf("gemm block %d at %.1f s: %.1f GFLOPS (CPU time, %d calls)%n", block++,
                        (System.nanoTime() - t0) / 1e9, 2.0 * n * n * n * calls / cpu / 1e9, calls);
            }
        }
    }

    /** Binary lanewise with operators only known at run time, so lanewise(Binary, Vector) is compiled on its own. */
    static float mixed(float[] x, VectorOperators.Binary op1, VectorOperators.Binary op2) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i + S.length() <= x.length; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            acc = acc.lanewise(op1, v).lanewise(op2, v);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
