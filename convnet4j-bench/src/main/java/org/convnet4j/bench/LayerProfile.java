package org.convnet4j.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.nn.GradMode;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.InferenceFusion;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.ops.Convolution;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.ModelZoo;

/**
 * Where a zoo model's inference time goes, layer kind by layer kind. Runs the model's forward pass the way
 * {@link Sequential} and {@link Graph} do, but times every leaf layer, and sums the times by layer type and
 * input/output shape (so ResNet-50's 16 bottlenecks collapse into a few rows). Prints the rows sorted by time
 * with their share, MACs and GFLOPS, after a warm-up. A diagnosis tool for the engine, not a benchmark: the
 * per-layer timer calls add a little overhead of their own. Inference fuses as {@code Model.predict} does (a
 * convolution with its batch norm and activation is one row, "Conv2d+BatchNorm2d+ReLU ...");
 * {@code -Dconvnet4j.profile.fused=false} times them apart. {@code -Dconvnet4j.profile.flip=Class.field} (a static
 * boolean switch, e.g. {@code org.convnet4j.nn.layers.LayerNorm.vectorRows}) prints blocks of passes with the switch
 * as it is and flipped, alternating, in one JVM.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp convnet4j-bench/target/benchmarks.jar \
 *     org.convnet4j.bench.LayerProfile resnet50 8 [repetitions]</pre>
 * A saved model file ({@code .c4j}, e.g. one written by {@code convnet4j import net.onnx -o net.c4j}) may stand
 * in for the zoo name.
 */
public final class LayerProfile {
    private final Map<String, double[]> rows = new LinkedHashMap<>(); // key -> {nanos, macs, calls}
    private boolean recording;

    private LayerProfile() {
    }

    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "resnet50";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        boolean train = args.length > 3 && args[3].equals("train");
        org.convnet4j.tensor.kernels.KernelProvider.installJitDirectives();
        Model model;
        if (name.endsWith(".c4j")) { // a saved model, e.g. an ONNX import: convnet4j import net.onnx -o net.c4j
            try {
                model = ModelFiles.load(java.nio.file.Path.of(name));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        } else {
            model = ModelZoo.build(name, ModelZoo.defaultInput(name), name.startsWith("lenet") ? 10 : 1000);
            model.initialize(0);
        }
        Shape in = model.inputShapes().get(0);
        Tensor x = Tensor.randn(new Random(1), 1f, in.prepend(batch).dims());
        LayerProfile p = new LayerProfile();
        if (train) {
            p.train(model, x, reps);
            return;
        }
        // as predict() runs: without gradient bookkeeping
        for (int i = 0; i < 3; i++) {
            GradMode.withoutGradients(() -> BUFFERS ? withBuffers(() -> p.run(model, List.of(x), false))
                    : p.run(model, List.of(x), false));
        }
        int placementBlocks = Integer.getInteger("convnet4j.profile.placement", 0);
        if (placementBlocks > 0) {
            p.placementBlocks(model, x, reps, placementBlocks);
            return;
        }
        String flip = System.getProperty("convnet4j.profile.flip");
        if (flip != null) {
            p.flipBlocks(model, x, reps, flip, Integer.getInteger("convnet4j.profile.blocks", 6));
            return;
        }
        p.recording = true;
        long t0 = now();
        for (int i = 0; i < reps; i++) {
            p.pass();
            GradMode.withoutGradients(() -> BUFFERS ? withBuffers(() -> p.run(model, List.of(x), false))
                    : p.run(model, List.of(x), false));
        }
        double total = (now() - t0) / 1e9 / reps;
        p.print(name, batch, total, reps);
        if (SPAN) {
            p.printSpan(name, batch, reps);
        }
        if (SPAN || Boolean.getBoolean("convnet4j.pool.stats")) {
            wholePredictSpan(model, x, reps);
        }
    }

    /**
     * {@code -Dconvnet4j.profile.buffers=true} (the default in span mode): every recorded pass runs inside the
     * activation buffers {@code Model.predict} uses ({@code InferenceBuffers}, reached by reflection), so that layers
     * write into reused arrays as in predict instead of new ones the JVM zeroes first on the calling thread.
     */
    private static final boolean BUFFERS = Boolean.parseBoolean(System.getProperty("convnet4j.profile.buffers",
            String.valueOf("span".equals(System.getProperty("convnet4j.profile.cpu")))));

    private static Tensor withBuffers(java.util.function.Supplier<Tensor> pass) {
        try {
            java.lang.reflect.Method call = Class.forName("org.convnet4j.nn.InferenceBuffers")
                    .getDeclaredMethod("call", java.util.function.Supplier.class);
            call.setAccessible(true);
            return (Tensor) call.invoke(null, pass);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("InferenceBuffers.call: " + e, e);
        }
    }

    /**
     * {@code -Dconvnet4j.profile.cpu=span} (with {@code -Dconvnet4j.pool.span=true}): per row, in thread CPU time, the
     * work (the caller's CPU outside parallel calls plus every parallel call's tasks) and the time two idle threads
     * would need (the caller's CPU outside parallel calls plus each call's greedy-schedule span,
     * {@link org.convnet4j.tensor.kernels.KernelProvider#poolSpan()}); idle = threads x span - work is the CPU time a
     * thread would sit idle, before any hand-off latency. Load changes these little: no wall clock in them.
     */
    private static final boolean SPAN = "span".equals(System.getProperty("convnet4j.profile.cpu"));
    private final Map<String, double[]> spanRows = new LinkedHashMap<>(); // key -> {work, span, jobs, serial, calls}
    private long[] spanBefore;
    private long cpuBefore;

    private void spanStart() {
        if (SPAN) {
            spanBefore = org.convnet4j.tensor.kernels.KernelProvider.poolSpan();
            cpuBefore = THREADS.getCurrentThreadCpuTime();
        }
    }

    private void spanEnd(String key) {
        if (SPAN && recording) {
            long cpu = THREADS.getCurrentThreadCpuTime() - cpuBefore;
            long[] d = org.convnet4j.tensor.kernels.KernelProvider.poolSpan();
            for (int i = 0; i < d.length; i++) {
                d[i] -= spanBefore[i];
            }
            double serial = cpu - d[3];
            double[] r = spanRows.computeIfAbsent(key, k -> new double[6]);
            r[0] += serial + d[1];
            r[1] += serial + d[2];
            r[2] += d[0];
            r[3] += serial;
            r[4] += 1;
            r[5] += d[5];
        }
    }

    private void printSpan(String name, int batch, int reps) {
        int threads = org.convnet4j.tensor.kernels.KernelProvider.get().threads();
        double work = spanRows.values().stream().mapToDouble(r -> r[0]).sum() / 1e6 / reps;
        double span = spanRows.values().stream().mapToDouble(r -> r[1]).sum() / 1e6 / reps;
        double serial = spanRows.values().stream().mapToDouble(r -> r[3]).sum() / 1e6 / reps;
        double wallSum = spanRows.keySet().stream().mapToDouble(k -> wallNanos(k, reps)).sum() / 1e6 / reps;
        System.out.printf("# span %s batch %d, %d threads, per pass (thread CPU): work %.2f ms, span %.2f ms, of it"
                + " serial %.2f ms; use %.3f (work / (threads x span)); idle %.2f ms; on the clock (%s): rows %.2f ms,"
                + " idle %.2f ms%n", name, batch, threads, work, span, serial, work / (threads * span),
                threads * span - work, MIN ? "fastest calls" : "mean calls", wallSum, threads * wallSum - work);
        // idle: what the greedy schedule of the measured tasks leaves (no hand-off latency); wall idle: threads x the
        // row's clock time - its work, every wait included (hand-offs, a worker late or parked, the caller's copies)
        System.out.printf("%8s %8s %8s %8s %8s %8s %6s %6s %7s %s%n", "work", "span", "serial", "idle", "wall",
                "wallIdle", "use", "calls", "jobs", "layer (sorted by wall idle)");
        spanRows.entrySet().stream()
                .sorted((a, b) -> Double.compare(threads * wallNanos(b.getKey(), reps) - b.getValue()[0],
                        threads * wallNanos(a.getKey(), reps) - a.getValue()[0]))
                .limit(ROWS > 0 ? ROWS : Long.MAX_VALUE).forEach(e -> {
                    double[] r = e.getValue();
                    double wall = wallNanos(e.getKey(), reps);
                    System.out.printf("%8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %6.3f %6d %7.1f %s%n", r[0] / 1e6 / reps,
                            r[1] / 1e6 / reps, r[3] / 1e6 / reps, (threads * r[1] - r[0]) / 1e6 / reps,
                            wall / 1e6 / reps, (threads * wall - r[0]) / 1e6 / reps,
                            r[0] / (threads * r[1]), (int) (r[4] / reps), r[2] / reps,
                            e.getKey().length() > 150 ? e.getKey().substring(0, 150) : e.getKey());
                });
    }

    /**
     * A row's clock time over the recorded passes: its calls' fastest times times the passes with
     * {@code -Dconvnet4j.profile.min=true} (on a loaded machine the quiet estimate), else the sum of all its calls.
     */
    private double wallNanos(String key, int reps) {
        double[] r = rows.get(key);
        return r == null ? 0 : MIN ? fastestSum(key) * reps : r[0];
    }

    /** The same figures for whole {@code Model.predict} calls (the graph's own fusions, the residual sums included). */
    private static void wholePredictSpan(Model model, Tensor x, int reps) {
        int threads = org.convnet4j.tensor.kernels.KernelProvider.get().threads();
        double[] works = new double[reps];
        double[] spans = new double[reps];
        double[] serials = new double[reps];
        double[] jobs = new double[reps];
        double[] walls = new double[reps];
        java.util.Map<String, long[]> stats0 = org.convnet4j.tensor.kernels.KernelProvider.poolStatistics();
        for (int i = 0; i < reps; i++) {
            long[] s0 = org.convnet4j.tensor.kernels.KernelProvider.poolSpan();
            long w0 = System.nanoTime();
            long c0 = THREADS.getCurrentThreadCpuTime();
            model.predict(x);
            walls[i] = (System.nanoTime() - w0) / 1e6;
            long cpu = THREADS.getCurrentThreadCpuTime() - c0;
            long[] s1 = org.convnet4j.tensor.kernels.KernelProvider.poolSpan();
            double serial = cpu - (s1[3] - s0[3]);
            works[i] = (serial + s1[1] - s0[1]) / 1e6;
            spans[i] = (serial + s1[2] - s0[2]) / 1e6;
            serials[i] = serial / 1e6;
            jobs[i] = s1[0] - s0[0];
        }
        if (!SPAN) {
            System.out.printf("# whole predict calls, %d threads, %d: wall median %.2f ms, fastest %.2f ms%n", threads,
                    reps, median(walls), min(walls));
        } else {
            System.out.printf("# span of whole predict calls, %d threads, medians of %d: work %.2f ms, span %.2f ms,"
                    + " serial %.2f ms, parallel calls %.0f; use %.3f; wall median %.2f ms, fastest %.2f ms (idle on"
                    + " the clock %.2f / %.2f ms)%n", threads, reps, median(works), median(spans), median(serials),
                    median(jobs), median(works) / (threads * median(spans)), median(walls), min(walls),
                    threads * median(walls) - median(works), threads * min(walls) - median(works));
        }
        // with -Dconvnet4j.pool.stats=true: each thread's clock time inside tasks and waiting (a worker for its next
        // job: the second thread's idle on the clock, gaps between layers included), and its parks
        org.convnet4j.tensor.kernels.KernelProvider.poolStatistics().forEach((thread, s) -> {
            long[] b = stats0.getOrDefault(thread, new long[s.length]);
            System.out.printf("# pool %s per predict: %.1f tasks, %.2f ms in tasks, %.2f ms waiting, %.1f parks%n",
                    thread, (s[0] - b[0]) / (double) reps, (s[1] - b[1]) / 1e6 / reps, (s[2] - b[2]) / 1e6 / reps,
                    (s[4] - b[4]) / (double) reps);
        });
    }

    private static double min(double[] v) {
        return java.util.Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /**
     * {@code -Dconvnet4j.profile.flip=Class.field}: an A/B of a static boolean switch in ONE JVM, per layer type.
     * After the warm-up, {@code -Dconvnet4j.profile.blocks} blocks (6 unless given) of {@code reps} passes each, the
     * field as it was in the first block and flipped in every other one (set by reflection), each block printed
     * on its own: whether the time a switch costs stays with the switch or with the JVM (compiled code, profiles).
     */
    private void flipBlocks(Model model, Tensor x, int reps, String spec, int blocks) {
        java.lang.reflect.Field f;
        try {
            int dot = spec.lastIndexOf('.');
            f = Class.forName(spec.substring(0, dot)).getDeclaredField(spec.substring(dot + 1));
            f.setAccessible(true);
            boolean start = f.getBoolean(null);
            for (int b = 0; b < blocks; b++) {
                boolean value = b % 2 == 0 ? start : !start;
                f.setBoolean(null, value);
                double total = recordedBlock(model, x, reps, false);
                System.out.printf("## block %d, %s=%s, load %s%n", b + 1, spec, value, loadAverage());
                print(model.name(), x.dim(0), total, reps);
            }
            f.setBoolean(null, start);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("convnet4j.profile.flip=" + spec + ": " + e, e);
        }
    }

    /**
     * {@code -Dconvnet4j.profile.placement=B}: B blocks of {@code reps} passes, each after a reading of where the host
     * put the two vCPUs (PairProbe's cache-line round trip, fastest of 60 blocks: ~65 ns near, 200-320 ns far on the
     * AMD guest), each block printed on its own: which layers a far placement slows, when the pool's worker and the
     * caller run on two vCPUs (bench/pin-two-threads.sh) and bench/layer_placement_summary.py groups the blocks.
     */
    private void placementBlocks(Model model, Tensor x, int reps, int blocks) {
        for (int b = 0; b < blocks; b++) {
            double[] trips = PairProbe.pingPongTrips(60, 1000);
            double total = recordedBlock(model, x, reps, BUFFERS);
            System.out.printf(java.util.Locale.ROOT, "## block %d, line round trip ns min %.0f p10 %.0f, %s, load %s%n",
                    b + 1, trips[0], trips[6], java.time.LocalTime.now().withNano(0), loadAverage());
            print(model.name(), x.dim(0), total, reps);
        }
    }

    /**
     * A block of {@code reps} recorded inference passes, the rows of earlier blocks cleared ({@code buffers}: inside
     * predict's activation buffers); returns the seconds per pass.
     */
    private double recordedBlock(Model model, Tensor x, int reps, boolean buffers) {
        rows.clear();
        fastest.clear();
        recording = true;
        long t0 = now();
        for (int i = 0; i < reps; i++) {
            pass();
            GradMode.withoutGradients(() -> buffers ? withBuffers(() -> run(model, List.of(x), false))
                    : run(model, List.of(x), false));
        }
        return (now() - t0) / 1e9 / reps;
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /**
     * Training steps (forward in training mode, softmax cross-entropy, backward, SGD with momentum 0.9) with
     * every leaf layer's forward and backward timed; Sequential and Graph containers are walked here the way
     * they walk themselves (a graph's gradients summed where paths join).
     */
    private void train(Model model, Tensor x, int reps) {
        Sgd sgd = new Sgd(model, 0.01).momentum(0.9);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        int[] labels = new int[x.dim(0)];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % model.outputShape().dim(0);
        }
        int steps = Math.max(1, reps);
        int placementBlocks = Integer.getInteger("convnet4j.profile.placement", 0);
        for (int warm = 0; warm < 2; warm++) {
            recording = warm == 1 && placementBlocks == 0;
            double seconds = trainSteps(model, x, steps, sgd, loss, labels);
            if (recording) {
                print(model.name() + " training step", x.dim(0), seconds, steps);
                if (SPAN) {
                    printSpan(model.name() + " training step", x.dim(0), steps);
                }
            }
        }
        // as inference's placement mode: blocks of steps, each after a reading of where the host put the two vCPUs;
        // -Dconvnet4j.profile.blocks=alternate: every second block with the parallel calls cut in blocks per thread
        // (what StepBuffers.sampleBlocks does in a real step), labelled "split blocks" / "split shared"
        boolean alternate = "alternate".equals(System.getProperty("convnet4j.profile.blocks"));
        for (int b = 0; b < placementBlocks; b++) {
            double[] trips = PairProbe.pingPongTrips(60, 1000);
            rows.clear();
            fastest.clear();
            recording = true;
            boolean inBlocks = alternate && b % 2 == 1;
            boolean before = org.convnet4j.tensor.kernels.KernelProvider.splitInBlocksOnThisThread(inBlocks);
            double seconds = trainSteps(model, x, steps, sgd, loss, labels);
            org.convnet4j.tensor.kernels.KernelProvider.splitInBlocksOnThisThread(before);
            recording = false;
            System.out.printf(java.util.Locale.ROOT, "## block %d, line round trip ns min %.0f p10 %.0f, %s, load %s%s%n",
                    b + 1, trips[0], trips[6], java.time.LocalTime.now().withNano(0), loadAverage(),
                    alternate ? inBlocks ? ", split blocks" : ", split shared" : "");
            print(model.name() + " training step", x.dim(0), seconds, steps);
            if (SPAN) { // each row's thread CPU (work): what a far placement's misses cost, whatever else runs
                printSpan(model.name() + " training step", x.dim(0), steps);
                spanRows.clear();
            }
        }
    }

    /** {@code steps} timed training steps; returns the seconds per step. */
    private double trainSteps(Model model, Tensor x, int steps, Sgd sgd, SoftmaxCrossEntropy loss, int[] labels) {
        long t0 = now();
        for (int step = 0; step < steps; step++) {
            pass();
            spanStart();
            long s0 = now();
            sgd.zeroGrad();
            record("optimizer zeroGrad", now() - s0, 0);
            spanEnd("optimizer zeroGrad");
            Tensor out = run(model, List.of(x), true);
            spanStart();
            long l0 = now();
            Tensor g = loss.compute(out, labels).gradient();
            record("loss", now() - l0, 0);
            spanEnd("loss");
            trainBackward(model, g);
            spanStart();
            long u0 = now();
            sgd.step();
            record("optimizer step", now() - u0, 0);
            spanEnd("optimizer step");
        }
        return (now() - t0) / 1e9 / steps;
    }

    private final Map<Layer, String> keys = new HashMap<>();
    private final Map<Layer, Double> leafMacs = new HashMap<>();
    private final Map<Conv2d, Tensor> convInputs = new HashMap<>();

    /** Returns the gradients of the inputs. */
    private List<Tensor> trainBackward(Layer layer, Tensor dy) {
        if (layer instanceof Sequential s) {
            Tensor g = dy;
            for (int i = s.layers().size() - 1; i >= 0; i--) {
                g = trainBackward(s.layers().get(i), g).get(0);
            }
            return List.of(g);
        }
        if (layer instanceof Graph gr) {
            Map<String, Tensor> grads = new HashMap<>();
            grads.put(gr.outputNames().get(0), dy);
            List<Graph.Node> nodes = gr.nodes();
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Graph.Node n = nodes.get(i);
                Tensor g = grads.get(n.name());
                if (n.isInput() || g == null) {
                    continue;
                }
                List<Tensor> in = trainBackward(n.layer(), g);
                for (int j = 0; j < n.inputs().size(); j++) {
                    grads.merge(n.inputs().get(j), in.get(j), (a, b) -> {
                        long t0 = now();
                        Tensor sum = Tensor.zeros(a.shape().dims());
                        for (int k = 0; k < sum.size(); k++) {
                            sum.data()[k] = a.data()[k] + b.data()[k];
                        }
                        record("graph gradient join", now() - t0, 0);
                        return sum;
                    });
                }
            }
            List<Tensor> out = new ArrayList<>();
            for (String name : gr.inputNames()) {
                out.add(grads.get(name));
            }
            return out;
        }
        if (layer instanceof Conv2d conv && convInputs.containsKey(conv)) {
            // the two halves of Conv2d.backward, timed apart (same calls, fresh input-gradient tensor)
            Tensor x = convInputs.get(conv);
            double macs = leafMacs.getOrDefault(layer, 0.0);
            spanStart();
            long t0 = now();
            Convolution.backwardWeights(x, dy, conv.kernel().grad(), conv.bias() == null ? null : conv.bias().grad(),
                    conv.convParams());
            long t1 = now();
            record(keys.get(layer) + " backward weights", t1 - t0, macs);
            spanEnd(keys.get(layer) + " backward weights");
            spanStart();
            t1 = now();
            Tensor dx = Convolution.backwardInput(dy, conv.kernel().value(), x.shape(), conv.convParams(),
                    Tensor.zeros(x.shape().dims()));
            record(keys.get(layer) + " backward data", now() - t1, macs);
            spanEnd(keys.get(layer) + " backward data");
            return List.of(dx);
        }
        spanStart();
        long t0 = now();
        List<Tensor> g = layer.backwardAll(dy);
        record(keys.get(layer) + " backward", now() - t0, 2 * leafMacs.getOrDefault(layer, 0.0));
        spanEnd(keys.get(layer) + " backward");
        return g;
    }

    private void record(String key, long nanos, double macs) {
        if (recording) {
            double[] r = rows.computeIfAbsent(key, k -> new double[3]);
            r[0] += nanos;
            r[1] += macs;
            r[2] += 1;
            if (MIN) { // the n-th call of this row in the pass: its fastest time over all passes
                int n = occurrence.merge(key, 1, Integer::sum);
                fastest.merge(key + "#" + n, (double) nanos, Math::min);
            }
        }
    }

    /**
     * {@code -Dconvnet4j.profile.min=true}: also the sum of each call's fastest time over the passes, per row (a
     * row's n-th call in a pass is one call site). On a loaded machine the fastest of many passes estimates what a
     * quiet machine would give far better than the mean, for both threads of a two-thread call are then running.
     */
    private static final boolean MIN = Boolean.getBoolean("convnet4j.profile.min");
    /** Rows printed, slowest first: 40 by default; {@code -Dconvnet4j.profile.rows=0} prints every row (the small
     * 1x1 layers of a training walk fall below the 40th). */
    private static final int ROWS = Integer.getInteger("convnet4j.profile.rows", 40);
    private final Map<String, Integer> occurrence = new HashMap<>();
    private final Map<String, Double> fastest = new HashMap<>();

    /** Starts a pass: call counts per row begin again. */
    private void pass() {
        occurrence.clear();
    }

    /** The sum of a row's calls' fastest times (ns), or NaN without {@code -Dconvnet4j.profile.min=true}. */
    private double fastestSum(String key) {
        if (!MIN) {
            return Double.NaN;
        }
        double sum = 0;
        for (int n = 1; fastest.containsKey(key + "#" + n); n++) {
            sum += fastest.get(key + "#" + n);
        }
        return sum;
    }

    private static String key(Layer layer, Tensor in, Tensor out) {
        Map<String, Object> cfg = layer.config();
        String kernel = cfg.containsKey("kernel_size") ? " k" + cfg.get("kernel_size") + " s" + cfg.get("strides")
                : cfg.containsKey("pool_size") ? " " + cfg.get("pool_size") + " s" + cfg.get("strides") : "";
        return layer.type() + kernel + " " + in.shape().dropFirst() + " -> " + out.shape().dropFirst();
    }

    /**
     * The forward pass as Sequential and Graph run it, every leaf layer timed (rows named "... forward" in
     * training mode, where backward rows follow).
     */
    private Tensor run(Layer layer, List<Tensor> inputs, boolean training) {
        if (layer instanceof Sequential s) {
            Tensor h = inputs.get(0);
            List<Layer> ls = s.layers();
            for (int i = 0; i < ls.size(); i++) {
                List<Layer> chain = ls.subList(i + 1, Math.min(ls.size(), i + 3));
                int absorbed = fusing(ls.get(i), chain, training);
                h = absorbed > 0 ? runFused((InferenceFusion) ls.get(i), List.of(h), chain, absorbed)
                        : run(ls.get(i), List.of(h), training);
                i += absorbed;
            }
            return h;
        }
        if (layer instanceof Graph g) {
            Map<String, Tensor> acts = new HashMap<>();
            for (int i = 0; i < g.inputNames().size(); i++) {
                acts.put(g.inputNames().get(i), inputs.get(i));
            }
            List<Graph.Node> nodes = g.nodes();
            for (int i = 0; i < nodes.size(); i++) {
                Graph.Node n = nodes.get(i);
                if (!n.isInput()) {
                    List<Tensor> args = new ArrayList<>();
                    for (String src : n.inputs()) {
                        args.add(acts.get(src));
                    }
                    List<Layer> chain = chainAfter(nodes, i);
                    int absorbed = fusing(n.layer(), chain, training);
                    if (absorbed > 0) {
                        acts.put(nodes.get(i + absorbed).name(),
                                runFused((InferenceFusion) n.layer(), args, chain, absorbed));
                        i += absorbed;
                    } else {
                        acts.put(n.name(), run(n.layer(), args, training));
                    }
                }
            }
            return acts.get(g.outputNames().get(0));
        }
        if (training && layer instanceof Conv2d conv) {
            convInputs.put(conv, inputs.get(0));
        }
        spanStart();
        long t0 = now();
        Tensor y = layer.forward(inputs, training);
        long dt = now() - t0;
        List<Shape> shapes = new ArrayList<>();
        for (Tensor t : inputs) {
            shapes.add(t.shape().dropFirst());
        }
        String key = keys.computeIfAbsent(layer, l -> key(l, inputs.get(0), y));
        double macs = layer.macs(shapes) * (double) inputs.get(0).dim(0);
        leafMacs.put(layer, macs);
        record(training ? key + " forward" : key, dt, macs);
        spanEnd(training ? key + " forward" : key);
        return y;
    }

    /**
     * {@code -Dconvnet4j.profile.cpu=true}: the calling thread's CPU time instead of wall-clock time, steady on a
     * loaded machine; it counts only this thread, so use it with {@code -Dconvnet4j.threads=1} (every kernel then
     * runs on the caller).
     */
    private static final boolean CPU = Boolean.getBoolean("convnet4j.profile.cpu");
    /**
     * {@code -Dconvnet4j.profile.cpu=process}: the CPU time of the calling thread and the kernels' worker threads
     * (not the JIT's or GC's): the work of each row at any thread count, blind to threads left idle
     * (bench/torch_layer_cpu.py's "proc" mode). The process clock itself steps by 10 ms here: too coarse.
     */
    private static final boolean PROCESS_CPU = "process".equals(System.getProperty("convnet4j.profile.cpu"));
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private static long[] workers; // the kernels' worker threads, found while warming up
    private static int scans;

    private static long now() {
        if (CPU) {
            return THREADS.getCurrentThreadCpuTime();
        }
        if (!PROCESS_CPU) {
            return System.nanoTime();
        }
        if (workers == null || (workers.length == 0 && scans++ < 200)) {
            workers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("convnet4j-kernels-")).mapToLong(Thread::getId).toArray();
        }
        long sum = THREADS.getCurrentThreadCpuTime();
        for (long id : workers) {
            sum += Math.max(0, THREADS.getThreadCpuTime(id));
        }
        return sum;
    }

    /** {@code -Dconvnet4j.profile.fused=false} times batch norm and activations as layers of their own. */
    private static final boolean FUSED = !"false".equals(System.getProperty("convnet4j.profile.fused"));

    /** How many following layers {@code layer} runs itself in inference, as {@code Model.predict} does. */
    private static int fusing(Layer layer, List<Layer> chain, boolean training) {
        return FUSED && !training && layer instanceof InferenceFusion f ? f.absorbable(chain) : 0;
    }

    /** The nodes after node i that Graph lets fusion absorb: each the only reader of the one before. */
    private static List<Layer> chainAfter(List<Graph.Node> nodes, int i) {
        List<Layer> chain = new ArrayList<>(2);
        for (int j = i; chain.size() < 2 && j + 1 < nodes.size(); j++) {
            Graph.Node next = nodes.get(j + 1);
            String name = nodes.get(j).name();
            long readers = nodes.stream().filter(n -> n.inputs().contains(name)).count();
            if (next.isInput() || readers != 1 || next.inputs().size() != 1 || !next.inputs().get(0).equals(name)) {
                break;
            }
            chain.add(next.layer());
        }
        return chain;
    }

    /** A fused call (convolution + batch norm + activation), timed as one row named by its layers' types. */
    private Tensor runFused(InferenceFusion f, List<Tensor> args, List<Layer> chain, int absorbed) {
        Layer layer = (Layer) f;
        Tensor in = args.get(0);
        spanStart();
        long t0 = now();
        Tensor y = f.forwardAbsorbing(args, chain, absorbed);
        long dt = now() - t0;
        String key = keys.computeIfAbsent(layer, l -> {
            StringBuilder types = new StringBuilder(l.type());
            for (Layer c : chain.subList(0, absorbed)) {
                types.append('+').append(c.type());
            }
            return types + key(l, in, y).substring(l.type().length());
        });
        List<Shape> shapes = new ArrayList<>();
        for (Tensor t : args) {
            shapes.add(t.shape().dropFirst());
        }
        record(key, dt, layer.macs(shapes) * (double) in.dim(0));
        spanEnd(key);
        return y;
    }

    private void print(String name, int batch, double total, int reps) {
        double sum = rows.values().stream().mapToDouble(r -> r[0]).sum();
        System.out.printf("# %s batch %d: %.2f ms per pass (%.2f img/s); timed parts sum to %.2f ms%s%n",
                name, batch, total * 1e3, batch / total, sum / 1e6 / reps,
                CPU ? " (CPU time of the calling thread)" : PROCESS_CPU ? " (CPU time of the process)" : "");
        Map<String, double[]> phases = new java.util.TreeMap<>(); // by layer type and phase: {nanos, macs}
        rows.forEach((key, r) -> {
            String type = key.substring(0, key.indexOf(' ') < 0 ? key.length() : key.indexOf(' '));
            String phase = key.endsWith("backward weights") ? "backward weights" : key.endsWith("backward data")
                    ? "backward data" : key.endsWith("backward") ? "backward" : key.endsWith("forward") ? "forward" : "";
            double[] sums = phases.computeIfAbsent(type + " " + phase, k -> new double[2]);
            sums[0] += r[0];
            sums[1] += r[1];
        });
        phases.forEach((k, r) -> System.out.printf("%8.2f %5.1f%% %8.1f  [%s]%n", r[0] / 1e6 / reps, 100 * r[0] / sum,
                r[1] > 0 ? 2 * r[1] / r[0] : 0, k));
        if (MIN) {
            double best = rows.keySet().stream().mapToDouble(this::fastestSum).sum();
            System.out.printf("# fastest calls (-Dconvnet4j.profile.min=true): %.2f ms per pass summed over the rows; "
                    + "column 'best ms'%n", best / 1e6);
        }
        System.out.printf("%8s %6s %6s %8s %s %s%n", "ms", "share", "calls", "GFLOPS", MIN ? " best ms" : "", "layer");
        rows.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
                .limit(ROWS > 0 ? ROWS : Long.MAX_VALUE).forEach(e -> {
                    double[] r = e.getValue();
                    double ms = r[0] / 1e6 / reps;
                    double gflops = r[1] > 0 ? 2 * r[1] / r[0] : 0;
                    String key = e.getKey();
                    System.out.printf("%8.2f %5.1f%% %6d %8.1f %s %s%n", ms, 100 * r[0] / sum, (int) (r[2] / reps),
                            gflops, MIN ? String.format("%8.3f", fastestSum(key) / 1e6) : "",
                            key.length() > 150 ? key.substring(0, 150) : key);
                });
    }
}
