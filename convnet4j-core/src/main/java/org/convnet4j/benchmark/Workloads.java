package org.convnet4j.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.StepBuffers;
import org.convnet4j.ops.ConvParams;
import org.convnet4j.ops.Convolution;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.tensor.kernels.Kernels;
import org.convnet4j.tensor.kernels.internal.FmaPeakProbe;
import org.convnet4j.train.loss.Loss;
import org.convnet4j.train.loss.SoftmaxCrossEntropy;
import org.convnet4j.train.optim.Sgd;
import org.convnet4j.zoo.LeNet5;
import org.convnet4j.zoo.ModelZoo;

/**
 * The standard workloads W1..W6 of {@code shared/bench/run_reference.sh}, measured on convnet4j with the same
 * shapes, batch sizes, optimiser settings and timing discipline, printed under the same names with
 * {@code convnet4j} in place of {@code torch}. Models come from the {@link ModelZoo} by name, so W4-W6 run as
 * soon as the zoo has {@code resnet50}, {@code vgg16} and {@code googlenet}, and are reported as not available
 * before.
 *
 * <p>Quick mode is a smoke test, not a measurement: minimal warm-up and repetitions, and W1/W2 scaled down
 * (n = 128, 256, 512; a conv batch of 1) because before the JIT has compiled the Vector API kernels they run
 * about a hundred times slower. W3-W6 keep their shapes.
 */
public final class Workloads {
    /** The workload groups in run order. */
    public static final List<String> ALL = List.of("W0", "W1", "W2", "W3", "W4", "W5", "W6", "W7");

    /** Reads a model file (W7's ONNX files: core cannot read ONNX, so the caller supplies convnet4j-io's importer). */
    @FunctionalInterface
    public interface ModelReader {
        /** The model stored in {@code file}; an IOException (or IllegalArgumentException) for a file it cannot read. */
        Model read(java.nio.file.Path file) throws java.io.IOException;
    }

    /**
     * How the workloads run.
     *
     * @param quick   a smoke test (minimal warm-up and repetitions, W1/W2 scaled down), not a measurement
     * @param onnxDir W7's ONNX files (from bench/w7_onnx_models.py)
     * @param onnx    reads them; null: W7 is reported not available
     */
    public record Settings(boolean quick, java.nio.file.Path onnxDir, ModelReader onnx) {
        /** Full measurement, ONNX files in {@code -Dconvnet4j.bench.onnx} (default bench/results/onnx), no reader. */
        public static Settings measurement() {
            return new Settings(false, java.nio.file.Path.of(System.getProperty("convnet4j.bench.onnx",
                    "bench/results/onnx")), null);
        }

        /** The same in quick (smoke-test) mode. */
        public Settings quickly() {
            return new Settings(true, onnxDir, onnx);
        }

        /** The same with W7's model reader. */
        public Settings withOnnxReader(ModelReader reader) {
            return new Settings(quick, onnxDir, reader);
        }
    }

    private final boolean quick;
    private final Settings settings;
    private final Consumer<BenchResult> sink;
    private final Kernels kernels = KernelProvider.get();

    /** Workloads that hand every result to {@code sink} as soon as it is measured. */
    public Workloads(Settings settings, Consumer<BenchResult> sink) {
        this.settings = java.util.Objects.requireNonNull(settings, "settings");
        this.quick = settings.quick();
        this.sink = java.util.Objects.requireNonNull(sink, "sink");
    }

    /**
     * The groups to run for a selection such as {@code [w1, W3]} (case-insensitive), in the standard order
     * whatever order was given; null or empty selects all. An unknown name is an IllegalArgumentException
     * "unknown workload 'W9'; known: W0, ...".
     */
    public static java.util.Set<String> select(List<String> wanted) {
        if (wanted == null || wanted.isEmpty()) {
            return new java.util.LinkedHashSet<>(ALL);
        }
        java.util.Set<String> chosen = new java.util.HashSet<>();
        for (String s : wanted) {
            String g = s.trim().toUpperCase(Locale.ROOT);
            if (!ALL.contains(g)) {
                throw new IllegalArgumentException("unknown workload '" + s + "'; known: " + String.join(", ", ALL));
            }
            chosen.add(g);
        }
        java.util.Set<String> ordered = new java.util.LinkedHashSet<>();
        for (String g : ALL) {
            if (chosen.contains(g)) {
                ordered.add(g);
            }
        }
        return ordered;
    }

    /** Runs one group ({@code W0} = the FMA peak probe, {@code W1} .. {@code W6}). */
    public void run(String group) {
        switch (group) {
            case "W0" -> fmaPeak();
            case "W1" -> sgemm();
            case "W2" -> conv();
            case "W3" -> lenetTraining();
            case "W4" -> {
                inference("W4_RESNET50_INFER_convnet4j_b1", "resnet50", 1);
                inference("W4_RESNET50_INFER_convnet4j_b8", "resnet50", 8);
            }
            case "W5" -> {
                inference("W5_VGG16_INFER_convnet4j_b1", "vgg16", 1);
                inference("W5_GOOGLENET_INFER_convnet4j_b1", "googlenet", 1);
            }
            case "W6" -> resnetTraining();
            case "W7" -> {
                onnxInference("W7_MOBILENETV2_INFER_convnet4j_b1", "mobilenet_v2");
                onnxInference("W7_EFFICIENTNETB0_INFER_convnet4j_b1", "efficientnet_b0");
            }
            default -> throw new IllegalArgumentException("bench: unknown workload '" + group + "'; known: "
                    + String.join(", ", ALL));
        }
    }

    /** A one-line description of the engine, appended to every result's notes. */
    public String environment() {
        return String.format(Locale.ROOT, "kernels=%s threads=%d vector=%d floats; %s %s", kernels.name(),
                threads(), kernels.floatsPerVector(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
    }

    private int threads() {
        return kernels.threads();
    }

    private Timing microTiming() {
        // W1 and W2 wait for the JIT as the model workloads do: since the Winograd path, W2's first calls run its
        // transforms before C2 has compiled them, and 1 s of warm-up timed some of those (112 against 275 GFLOPS
        // settled, docs/PERFORMANCE.md "Session 21, the lead's closing runs")
        return quick ? new Timing(1, 0, 0, 3) : new Timing(2, 1.0, 0.25, 7, SETTLE_SECONDS);
    }

    /** Most seconds a model workload's warm-up waits for the JIT after the reference's warm-up calls. */
    static final double SETTLE_SECONDS = Double.parseDouble(System.getProperty("convnet4j.bench.settleSeconds", "30"));

    private Timing modelTiming(int repetitions) {
        // the reference's 3 warm-up calls, then until the JIT is idle (at most 30 s more): see Timing
        return quick ? new Timing(1, 0, 0, 1) : new Timing(3, 0, 1.0, repetitions, SETTLE_SECONDS);
    }

    private void fmaPeak() {
        int t = threads();
        long start = System.nanoTime();
        double gflops = FmaPeakProbe.gflops(t, quick ? 0.1 : 1.0);
        sink.accept(new BenchResult("W0_FMA_peak_convnet4j_t" + t, gflops, "GFLOPS",
                String.format(Locale.ROOT, "register-only FMA chains on %d threads, measured now (%.1f s); %s", t,
                        (System.nanoTime() - start) / 1e9, environment()), Double.NaN));
    }

    private void sgemm() {
        Random random = new Random(0);
        for (int n : quick ? new int[] {128, 256, 512} : new int[] {512, 1024, 2048}) {
            HeapHighWater heap = new HeapHighWater();
            float[] a = Tensor.randn(random, 1f, n, n).data();
            float[] b = Tensor.randn(random, 1f, n, n).data();
            float[] c = new float[n * n];
            Timing.Result r = microTiming().measure(
                    () -> kernels.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n));
            double flop = 2.0 * n * n * n;
            emit("W1_SGEMM_convnet4j_n" + n, flop / 1e9, r, "GFLOPS", heap, "Kernels.sgemm, C = A B, fp32");
        }
    }

    private void conv() {
        int n = quick ? 1 : 8;
        int c = 64;
        int h = 56;
        int w = 56;
        int k = 64;
        Random random = new Random(0);
        HeapHighWater heap = new HeapHighWater();
        Tensor x = Tensor.randn(random, 1f, n, c, h, w);
        Tensor weights = Tensor.randn(random, 0.05f, k, c, 3, 3);
        ConvParams params = ConvParams.of(1, 1);
        Timing.Result r = microTiming().measure(() -> Convolution.forward(x, weights, null, params));
        double flop = 2.0 * n * k * h * w * c * 9;
        emit("W2_CONV3x3_convnet4j", flop / 1e9, r, "GFLOPS", heap, String.format(Locale.ROOT,
                "N%d C64 56x56 K64 3x3 s1 p1, %.2f GFLOP/call, %.2f ms/call; Convolution.forward, NCHW",
                n, flop / 1e9, r.median() * 1e3));
    }

    private static final int LENET_BATCH = 64;

    /**
     * W3's training step as a reusable load: LeNet-5 initialised with seed 0, SGD lr 0.01 momentum 0.9,
     * cross-entropy, each call one step (inside {@code StepBuffers.step}) on the next of 50 random batches of 64
     * 1x28x28 pictures (seed 0). The bench module's profilers run the same step as {@code convnet4j bench}'s W3.
     */
    public static Runnable lenetTrainingStep() {
        int batches = 50;
        Model net = LeNet5.build();
        net.initialize(0);
        Sgd opt = new Sgd(net, 0.01).momentum(0.9);
        Loss loss = new SoftmaxCrossEntropy();
        Random random = new Random(0);
        Tensor[] xs = new Tensor[batches];
        int[][] ys = new int[batches][LENET_BATCH];
        for (int i = 0; i < batches; i++) {
            xs[i] = Tensor.randn(random, 1f, LENET_BATCH, 1, 28, 28);
            for (int j = 0; j < LENET_BATCH; j++) {
                ys[i][j] = random.nextInt(10);
            }
        }
        int[] step = {0};
        return () -> {
            int i = step[0]++ % batches;
            trainingStep(net, opt, loss, xs[i], ys[i]);
        };
    }

    private void lenetTraining() {
        int batch = LENET_BATCH;
        HeapHighWater heap = new HeapHighWater();
        Runnable trainStep = lenetTrainingStep();
        // The reference: 100 warm-up steps, then 7 repetitions of 200 steps.
        int stepsPerRepetition = quick ? 2 : 200;
        Runnable repetition = () -> {
            for (int s = 0; s < stepsPerRepetition; s++) {
                trainStep.run();
            }
        };
        for (int s = 0; s < (quick ? 2 : 100); s++) {
            trainStep.run();
        }
        Timing.Result r = new Timing(0, 0, 0, quick ? 3 : 7).measure(repetition);
        emit("W3_LENET5_TRAIN_convnet4j_random_" + threads() + "T", (double) batch * stepsPerRepetition, r,
                "images/s", heap, String.format(Locale.ROOT,
                        "median of %d x %d steps; batch %d, SGD lr 0.01 mom 0.9, CE, random 1x28x28 data",
                        r.secondsPerCall().length, stepsPerRepetition, batch));
    }

    private static void trainingStep(Model net, Sgd opt, Loss loss, Tensor x, int[] labels) {
        StepBuffers.step(() -> stepBody(net, opt, loss, x, labels));
    }

    private static void stepBody(Model net, Sgd opt, Loss loss, Tensor x, int[] labels) {
        opt.zeroGrad();
        Tensor out = net.forward(x, true);
        Loss.LossValue value = loss.compute(out, labels);
        net.backwardParameters(value.gradient());
        opt.step();
    }

    private void inference(String name, String model, int batch) {
        if (!ModelZoo.contains(model)) {
            sink.accept(BenchResult.notAvailable(name, "images/s", "the model zoo has no '" + model + "' yet"));
            return;
        }
        System.gc();
        HeapHighWater heap = new HeapHighWater();
        Model net = ModelZoo.build(model, null, 1000);
        net.initialize(0);
        Tensor x = Tensor.randn(new Random(0), 1f, batch, 3, 224, 224);
        Timing.Result r = modelTiming(7).measure(() -> net.predict(x));
        emit(name, batch, r, "images/s", heap, String.format(Locale.ROOT,
                "%.1f ms/batch; inference mode, NCHW fp32, %s from ModelZoo", r.median() * 1e3, model));
    }

    /**
     * Inference of a torchvision model exported to ONNX by bench/w7_onnx_models.py (the directory is
     * {@link Settings#onnxDir}, read by {@link Settings#onnx}): MobileNetV2's depthwise blocks, EfficientNet-B0's
     * SiLU and squeeze-and-excitation, imported as they come from PyTorch.
     */
    private void onnxInference(String name, String model) {
        java.nio.file.Path file = settings.onnxDir().resolve(model + ".onnx");
        if (settings.onnx() == null) {
            sink.accept(BenchResult.notAvailable(name, "images/s", "no ONNX reader given (Workloads.Settings.withOnnxReader)"));
            return;
        }
        if (!java.nio.file.Files.isRegularFile(file)) {
            sink.accept(BenchResult.notAvailable(name, "images/s", file + " is missing: run bench/w7_onnx_models.py"));
            return;
        }
        System.gc();
        HeapHighWater heap = new HeapHighWater();
        Model net;
        try {
            net = settings.onnx().read(file);
        } catch (java.io.IOException | IllegalArgumentException e) {
            sink.accept(BenchResult.notAvailable(name, "images/s", file + ": " + e.getMessage()));
            return;
        }
        Tensor x = Tensor.randn(new Random(0), 1f, 1, 3, 224, 224);
        Timing.Result r = modelTiming(7).measure(() -> net.predict(x));
        emit(name, 1, r, "images/s", heap, String.format(Locale.ROOT,
                "%.1f ms/batch; inference mode, NCHW fp32, %s imported from ONNX", r.median() * 1e3, model));
    }

    private void resnetTraining() {
        String name = "W6_RESNET50_TRAIN_convnet4j_b8";
        if (!ModelZoo.contains("resnet50")) {
            sink.accept(BenchResult.notAvailable(name, "images/s", "the model zoo has no 'resnet50' yet"));
            return;
        }
        System.gc();
        HeapHighWater heap = new HeapHighWater();
        ResNet50Training w6 = new ResNet50Training();
        int batch = ResNet50Training.BATCH;
        Timing timing = quick ? new Timing(1, 0, 0, 1) : new Timing(2, 0, 1.0, 5, SETTLE_SECONDS);
        Timing.Result r = timing.measure(w6::step);
        emit(name, batch, r, "images/s", heap, String.format(Locale.ROOT,
                "%.0f ms/step; fwd+bwd+SGD mom 0.9, CE, training mode (BN batch statistics)", r.median() * 1e3));
    }

    /**
     * The W6 training step, set up once: ResNet-50 (seed 0), a random batch of 8 pictures 3x224x224 with random
     * labels (seed 0), SGD lr 0.01 momentum 0.9, cross-entropy; each step is forward, loss, backward and update
     * inside {@link StepBuffers#step}. {@code bench/W6Memory} measures its memory with the plan on and off.
     */
    public static final class ResNet50Training {
        public static final int BATCH = 8;
        private final Model net = ModelZoo.build("resnet50", null, 1000);
        private final Sgd opt;
        private final Loss loss = new SoftmaxCrossEntropy();
        private final Tensor x;
        private final int[] labels = new int[BATCH];

        public ResNet50Training() {
            net.initialize(0);
            opt = new Sgd(net, 0.01).momentum(0.9);
            Random random = new Random(0);
            x = Tensor.randn(random, 1f, BATCH, 3, 224, 224);
            for (int i = 0; i < BATCH; i++) {
                labels[i] = random.nextInt(1000);
            }
        }

        /** One step with the memory plan as {@code -Dconvnet4j.memory.plan} says (on by default). */
        public void step() {
            trainingStep(net, opt, loss, x, labels);
        }

        /** One step with the memory plan on or off. */
        public void step(StepBuffers.MemoryPlan plan) {
            StepBuffers.step(plan, () -> stepBody(net, opt, loss, x, labels));
        }

        /** The model (for its parameter count, and to keep it reachable while memory is measured). */
        public Model model() {
            return net;
        }
    }

    /** Converts seconds per call into a rate (work / seconds) and reports median and range. */
    private void emit(String name, double workPerCall, Timing.Result r, String unit, HeapHighWater heap,
                      String what) {
        double peakMb = heap.stop() / (1024.0 * 1024.0);
        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "median of %d (range %.2f..%.2f, %d calls/rep)",
                r.secondsPerCall().length, workPerCall / r.slowest(), workPerCall / r.fastest(),
                r.callsPerRepetition()));
        if (r.warmupCalls() > 0) {
            notes.add(String.format(Locale.ROOT, "warm-up %d calls%s", r.warmupCalls(),
                    r.jitSettled() ? " until the JIT was idle" : ""));
        }
        notes.add(what);
        notes.add(environment());
        sink.accept(new BenchResult(name, workPerCall / r.median(), unit, String.join("; ", notes), peakMb));
    }
}
