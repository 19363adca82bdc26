// Helper of bench/serve-load.sh, run as a single source file against the convnet4j jar:
//   java --add-modules jdk.incubator.vector -cp convnet4j.jar bench/ServeLoadTool.java models DIR
//   java ... bench/ServeLoadTool.java baseline MODEL_FILE BATCH SECONDS
//   java ... bench/ServeLoadTool.java bodies MODEL_FILE DIR
//   java ... bench/ServeLoadTool.java baseline-loop MODEL_FILE BATCH [THREADS CAP FORM BODY_DIR]
//            (reads "SECONDS [B]" lines, prints images/s each; "warm WINDOW MAX [MIN [B]]" lines: windows of at least
//            WINDOW s until the speed is stable, with at least MIN images (default 50) in each of the last three
//            windows, or MAX s; prints the windows; B: the batch for that line, default BATCH). With THREADS CAP
//            FORM BODY_DIR, the in-process side does what the server does per request: THREADS threads (as the
//            server's workers) each calling predict with its kernels capped to CAP threads (0: the kernels' own
//            count), and each batch of BATCH samples built from the bytes the load test sends: FORM "tensor" (no
//            bytes: one ready tensor, as without these arguments), "json1"/"json8"/"bin1"/"bin8" (BATCH/S request
//            bodies of S samples from BODY_DIR parsed by the server's parser, their samples copied into one batch,
//            and each answer cut out and encoded as the server encodes it), "picture1" (BATCH decodes of
//            BODY_DIR/picture.png, the model's preprocessing, the top 5 of each)
//   java ... bench/ServeLoadTool.java parse MODEL_FILE DIR SECONDS   (request parsing alone: ms per 1-sample body,
//            the server's parser on JSON and binary bodies vs a Gson JsonReader stream reading the same numbers)
//   java ... bench/ServeLoadTool.java connections PORT MODEL BODY CONNECTIONS SECONDS   (CONNECTIONS clients on blocking
//            sockets, each sending the v2 binary request BODY (BODY.len: its JSON header's length) to MODEL as soon as
//            the last answer is in; prints requests/s and latency percentiles of all, then per connection its requests,
//            its longest wait and its waits over 50 ms, then when each such wait began (System.nanoTime, ms, the
//            same clock as the server's) and how long it took: whether some connections are served while others
//            wait, and whether waits come together, as when a selector thread stops reading all its connections)
//   java ... bench/ServeLoadTool.java idle-model FILE   (a model with LeNet-5's input and 10 outputs that does next to
//            nothing: Flatten and Dense 784->10, 7,840 multiply-adds per sample; the floor of bench/serve-floor.sh)
// "models" writes LeNet-5 (1x28x28, 10 classes) and ResNet-18 (3x224x224, 1000 classes) with seeded random
// weights: speed does not depend on the weights. "baseline" is in-process predict on one thread (what the
// server's batching worker does) and prints images/s. "bodies" writes the request bodies the load test sends (JSON, and the binary tensor extension's
// JSON header + raw little-endian FP32 with the header's length in NAME.bin.len), for 1 and 8 samples, and a valid
// 320x240 picture (picture.png) and a broken one for the soak.
// "baseline-loop" keeps one warm in-process model so that serve-load.sh --only ratio can alternate in-process
// and served rounds in one session.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.serve.InferenceProtocol;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.ModelZoo;

public class ServeLoadTool {
    public static void main(String[] args) throws Exception {
        // as the command line (and so the server) does: without it, whether C2 or C1 compiles the GEMM
        // micro-kernels is a race with the JIT queue, and C1's code runs them ~20x slower for good (JitDirectives);
        // that race is what left the in-process side of the ResNet-18 batch-1 cell at 0.5 images/s on 2026-12-03
        org.convnet4j.tensor.kernels.KernelProvider.installJitDirectives();
        switch (args[0]) {
            case "models" -> {
                Path dir = Path.of(args[1]);
                Files.createDirectories(dir);
                save("lenet5", Shape.of(1, 28, 28), 10, dir.resolve("lenet5.c4j"));
                save("resnet18", Shape.of(3, 224, 224), 1000, dir.resolve("resnet18.c4j"));
            }
            case "baseline" -> baseline(Path.of(args[1]), Integer.parseInt(args[2]), Double.parseDouble(args[3]));
            case "bodies" -> bodies(Path.of(args[1]), Path.of(args[2]));
            case "baseline-loop" -> baselineLoop(Path.of(args[1]), Integer.parseInt(args[2]), args.length > 6
                    ? new Like(Integer.parseInt(args[3]), Integer.parseInt(args[4]), args[5], Path.of(args[6])) : null);
            case "parse" -> parse(Path.of(args[1]), Path.of(args[2]), Double.parseDouble(args[3]));
            case "connections" -> connections(Integer.parseInt(args[1]), args[2], Path.of(args[3]),
                    Integer.parseInt(args[4]), Double.parseDouble(args[5]));
            case "idle-model" -> {
                // the serving floor (bench/serve-floor.sh): LeNet-5's input and output, next to no compute
                Model m = new org.convnet4j.nn.Sequential(Shape.of(1, 28, 28), new org.convnet4j.nn.layers.Flatten(),
                        new org.convnet4j.nn.layers.Dense(10));
                m.initialize(42);
                ModelFiles.save(m, Path.of(args[1]), Preprocessing.forInput(Shape.of(1, 28, 28)));
            }
            default -> throw new IllegalArgumentException(
                    "models | baseline | bodies | baseline-loop | parse | connections | idle-model");
        }
    }

    /** See the header: closed-loop clients, one thread and socket each, counted per connection. */
    static void connections(int port, String model, Path body, int clients, double seconds) throws Exception {
        byte[] data = Files.readAllBytes(body);
        String jsonLength = Files.readString(Path.of(body + ".len")).trim();
        byte[] head = ("POST /v2/models/" + model + "/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/octet-stream\r\nInference-Header-Content-Length: " + jsonLength
                + "\r\nContent-Length: " + data.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] request = java.util.Arrays.copyOf(head, head.length + data.length);
        System.arraycopy(data, 0, request, head.length, data.length);
        long slow = 50_000_000L;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long[][] latencies = new long[clients][];
        java.util.List<long[]> waits = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Thread[] threads = new Thread[clients];
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads[c] = new Thread(() -> {
                long[] own = new long[1 << 16];
                int n = 0;
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                    s.setTcpNoDelay(true);
                    java.io.OutputStream out = s.getOutputStream();
                    java.io.InputStream in = new java.io.BufferedInputStream(s.getInputStream(), 1 << 16);
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        out.write(request);
                        out.flush();
                        readAnswer(in);
                        long took = System.nanoTime() - t0;
                        if (n == own.length) {
                            own = java.util.Arrays.copyOf(own, 2 * n);
                        }
                        own[n++] = took;
                        if (took > slow) {
                            waits.add(new long[] {t0 / 1_000_000, took / 1_000_000, client});
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                latencies[client] = java.util.Arrays.copyOf(own, n);
            });
            threads[c].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        long[] all = java.util.Arrays.stream(latencies).flatMapToLong(java.util.Arrays::stream).sorted().toArray();
        java.util.function.DoubleFunction<String> at = q -> String.format(Locale.ROOT, "%.2f",
                all[Math.min(all.length - 1, (int) (q * all.length))] / 1e6);
        System.out.printf(Locale.ROOT, "requests/s %.0f, p50 %s ms, p99 %s ms, p99.9 %s ms, max %s ms%n",
                all.length / seconds, at.apply(0.5), at.apply(0.99), at.apply(0.999), at.apply(1));
        StringBuilder per = new StringBuilder("per connection (requests / longest ms / waits over 50 ms):");
        for (long[] own : latencies) {
            long longest = java.util.Arrays.stream(own).max().orElse(0);
            per.append(String.format(Locale.ROOT, " %d/%d/%d", own.length, longest / 1_000_000,
                    java.util.Arrays.stream(own).filter(l -> l > slow).count()));
        }
        System.out.println(per);
        java.util.List<long[]> sorted = new java.util.ArrayList<>(waits);
        sorted.sort(java.util.Comparator.comparingLong(w -> w[0]));
        StringBuilder w = new StringBuilder("waits over 50 ms (connection@start ms+ms):");
        for (long[] x : sorted) {
            w.append(" c").append(x[2]).append('@').append(x[0]).append('+').append(x[1]);
        }
        System.out.println(w);
    }

    /** Reads one HTTP/1.1 answer with a Content-Length; fails on any status but 200. */
    static void readAnswer(java.io.InputStream in) throws java.io.IOException {
        int length = -1;
        int status = 0;
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("the server closed the connection");
            }
            if (b != '\n') {
                if (b != '\r') {
                    line.append((char) b);
                }
                continue;
            }
            String l = line.toString();
            line.setLength(0);
            if (l.isEmpty()) {
                break;
            }
            if (l.startsWith("HTTP/1.1 ")) {
                status = Integer.parseInt(l.substring(9, 12));
            } else if (l.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(l.substring(15).trim());
            }
        }
        if (status != 200 || length < 0 || in.readNBytes(length).length != length) {
            throw new IllegalStateException("answer " + status + " with " + length + " bytes");
        }
    }

    static void save(String name, Shape input, int classes, Path file) throws Exception {
        Model m = ModelZoo.build(name, input, classes);
        m.initialize(42);
        ModelFiles.save(m, file, Preprocessing.forInput(input));
    }

    static void baseline(Path file, int batch, double seconds) throws Exception {
        SavedModel saved = ModelFiles.read(file);
        Shape in = saved.model().inputShapes().get(0);
        Tensor x = Tensor.uniform(new Random(1), 0, 1, in.prepend(batch).dims());
        imagesPerSecond(saved.model(), x, Math.min(10, seconds / 2)); // warm-up
        System.out.printf(Locale.ROOT, "%.1f%n", imagesPerSecond(saved.model(), x, seconds));
    }

    /** Predicts on x for the given time; images per second. */
    static double imagesPerSecond(Model model, Tensor x, double seconds) {
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        long images = 0;
        while (System.nanoTime() < end) {
            model.predict(x);
            images += x.dim(0);
        }
        return images / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * How the in-process side mirrors the server (see the header): threads, their kernel cap, and the form the
     * samples arrive in. {@code form} is the load test's mix name ("tensor", "json1", "bin8", "picture1", ...).
     */
    record Like(int threads, int cap, String form, Path dir) {
    }

    /**
     * One warm model; each stdin line "SECONDS [BATCH]" runs predict that long (at BATCH samples a pass, default
     * {@code batch}) and prints images/s; "warm WINDOW MAX [MIN [BATCH]]" warms it up (see {@link Warm}) at that batch.
     * With {@code like} (null: one thread, one ready tensor), {@code like.threads} threads run, each building its
     * batches from bytes as {@link #step} does. One JVM serves every batch size, so that serve-load.sh warms it once
     * per model and batch size rather than once per cell.
     */
    static void baselineLoop(Path file, int batch, Like like) throws Exception {
        SavedModel saved = ModelFiles.read(file);
        Like side = like == null ? new Like(1, -1, "tensor", null) : like;
        java.util.Map<Integer, java.util.function.IntSupplier> steps = new java.util.HashMap<>();
        java.io.BufferedReader commands = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        String line;
        while ((line = commands.readLine()) != null) {
            String[] w = line.trim().split("\\s+");
            boolean warming = w[0].equals("warm");
            int b = warming ? (w.length > 4 ? Integer.parseInt(w[4]) : batch) : (w.length > 1 ? Integer.parseInt(w[1]) : batch);
            java.util.function.IntSupplier once = steps.get(b);
            if (once == null) {
                once = step(saved, b, side);
                steps.put(b, once);
            }
            if (warming) {
                // "warm WINDOW MAX [MIN [BATCH]]": windows until the rate is stable (see Warm), at most MAX s
                Warm warm = new Warm(Double.parseDouble(w[2]), w.length > 3 ? Integer.parseInt(w[3]) : 50);
                double window = Double.parseDouble(w[1]);
                while (!warm.done()) {
                    double seconds = warm.nextWindow(window);
                    long t0 = System.nanoTime();
                    double rate = imagesPerSecond(once, side.threads(), side.cap(), seconds);
                    double took = (System.nanoTime() - t0) / 1e9;
                    warm.add(rate, took, rate * took);
                }
                System.out.println(warm);
                STAGES.sinceLast(); // the warm-up's stages are not counted
            } else {
                STAGES.sinceLast();
                System.out.printf(Locale.ROOT, "%.1f%s%n", imagesPerSecond(once, side.threads(), side.cap(),
                        Double.parseDouble(w[0])), STAGES.sinceLast());
            }
            System.out.flush();
        }
    }

    /** {@code threads} threads (kernels capped to {@code cap} unless negative) running {@code once} for the time. */
    static double imagesPerSecond(java.util.function.IntSupplier once, int threads, int cap, double seconds)
            throws InterruptedException {
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        java.util.concurrent.atomic.AtomicLong images = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread[] t = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            t[i] = new Thread(() -> {
                if (cap >= 0) {
                    org.convnet4j.tensor.kernels.KernelProvider.limitThreadsOnThisThread(cap);
                }
                try {
                    long n = 0;
                    while (System.nanoTime() < end) {
                        n += once.getAsInt();
                    }
                    images.addAndGet(n);
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
            t[i].start();
        }
        for (Thread thread : t) {
            thread.join();
        }
        if (failed.get() != null) {
            throw new IllegalStateException("in-process predict failed", failed.get());
        }
        return images.get() / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * One batch of {@code batch} samples from bytes, as the server handles it, returning the samples predicted:
     * v2 bodies parsed by the server's parser, copied into one batch (as its batcher copies requests), the answer
     * cut per request and encoded as the server encodes it; or pictures decoded (Images.read, the server's
     * decoder), prepared by the model's preprocessing, batched, and each answered with its top 5.
     */
    static java.util.function.IntSupplier step(SavedModel saved, int batch, Like like) throws Exception {
        Model model = saved.model();
        Shape in = model.inputShapes().get(0);
        String form = like.form();
        if (form.equals("tensor")) {
            Tensor x = Tensor.uniform(new Random(1), 0, 1, in.prepend(batch).dims());
            return () -> {
                model.predict(x);
                return batch;
            };
        }
        if (form.startsWith("picture")) {
            byte[] png = Files.readAllBytes(like.dir().resolve("picture.png"));
            org.convnet4j.model.ImageClassifier classifier = new org.convnet4j.model.ImageClassifier(model,
                    saved.preprocessing());
            return () -> {
                Tensor x = Tensor.zeros(in.prepend(batch));
                for (int i = 0; i < batch; i++) {
                    Tensor p;
                    try {
                        p = saved.preprocessing().apply(org.convnet4j.image.Images.read(png, "picture", 100_000_000L));
                    } catch (org.convnet4j.image.ImageFormatException e) {
                        throw new IllegalStateException(e);
                    }
                    System.arraycopy(p.data(), 0, x.data(), i * p.size(), p.size());
                }
                Tensor y = model.predict(x);
                int per = y.size() / batch;
                int answered = 0;
                for (int i = 0; i < batch; i++) {
                    answered += classifier.classificationsOf(y.data(), i * per).topK(5).size() > 0 ? 1 : 0;
                }
                return answered;
            };
        }
        boolean binary = form.startsWith("bin");
        int samples = Integer.parseInt(form.replaceAll("\\D", ""));
        String name = "valid" + samples + (binary ? ".bin" : ".json");
        byte[] body = Files.readAllBytes(like.dir().resolve(name));
        int jsonLength = binary ? Integer.parseInt(Files.readString(like.dir().resolve(name + ".len")).trim()) : -1;
        if (batch % samples != 0) {
            throw new IllegalArgumentException("batch " + batch + " is not a whole number of " + samples + "-sample bodies");
        }
        int bodies = batch / samples;
        return () -> {
            long c0 = STAGES.clock();
            Tensor x = Tensor.zeros(in.prepend(batch));
            int off = 0;
            InferenceProtocol.OutputFormat format = null;
            for (int i = 0; i < bodies; i++) {
                InferenceProtocol.Request r = InferenceProtocol.parseRequest(body, jsonLength, in, 64);
                System.arraycopy(r.input().data(), 0, x.data(), off, r.input().size());
                off += r.input().size();
                format = r.outputFormat();
            }
            long c1 = STAGES.add(Stages.PARSE, c0);
            Tensor y = model.predict(x);
            long c2 = STAGES.add(Stages.FORWARD, c1);
            int per = y.size() / batch;
            Shape outSample = y.shape().dropFirst();
            int bytes = 0;
            for (int i = 0; i < bodies; i++) {
                float[] d = new float[samples * per];
                System.arraycopy(y.data(), i * samples * per, d, 0, d.length);
                bytes += InferenceProtocol.encodeResponse("m", null, Tensor.wrap(d, outSample.prepend(samples)), format)
                        .body().length;
            }
            STAGES.add(Stages.ENCODE, c2);
            STAGES.batches.increment();
            return bytes > 0 ? batch : 0;
        };
    }

    /**
     * With {@code -Dconvnet4j.serve.stageCpu=true} (the server's switch of the same name, ServeMetrics.STAGE_CPU):
     * the thread CPU time of the bytes forms' stages, read with the same clock as the server's counters: the parse
     * (with the copy into the batch), the forward pass, the answers' encoding. Each rate line of baseline-loop then
     * also says them, in microseconds per batch, for that run ("parse=P forward=F encode=E batches=N").
     */
    static final Stages STAGES = new Stages();

    static final class Stages {
        static final int PARSE = 0;
        static final int FORWARD = 1;
        static final int ENCODE = 2;
        final boolean on = Boolean.getBoolean("convnet4j.serve.stageCpu");
        final java.lang.management.ThreadMXBean clock = java.lang.management.ManagementFactory.getThreadMXBean();
        final java.util.concurrent.atomic.LongAdder[] nanos = {new java.util.concurrent.atomic.LongAdder(),
                new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder()};
        final java.util.concurrent.atomic.LongAdder batches = new java.util.concurrent.atomic.LongAdder();

        long clock() {
            return on ? clock.getCurrentThreadCpuTime() : 0;
        }

        /** Adds the time since {@code start} to {@code stage}; returns the clock's reading (the next stage's start). */
        long add(int stage, long start) {
            if (!on) {
                return 0;
            }
            long now = clock.getCurrentThreadCpuTime();
            nanos[stage].add(now - start);
            return now;
        }

        /** " parse=P forward=F encode=E batches=N" (us per batch) since the last call, or "" when off. */
        String sinceLast() {
            if (!on) {
                return "";
            }
            long n = batches.sumThenReset();
            double d = Math.max(1, n) * 1000.0;
            return String.format(Locale.ROOT, " parse=%.2f forward=%.2f encode=%.2f batches=%d",
                    nanos[PARSE].sumThenReset() / d, nanos[FORWARD].sumThenReset() / d, nanos[ENCODE].sumThenReset() / d, n);
        }
    }

    /**
     * Warm-up until the speed is stable: the last three windows within 10% of their median and none faster
     * than the median by more than that (a JVM still compiling speeds up from window to window), each of them
     * having counted at least MIN images, or at most MAX seconds. A window that counted fewer images than MIN is
     * followed by one long enough for 1.5 MIN at its rate: on a loaded machine a slow model (ResNet-18 at 0.2
     * images/s) does one image in a 5-s window, and three such windows, agreeing by chance, were called stable.
     * The shell script applies the same rule to the server's windows (wrk runs).
     */
    static final class Warm {
        final double max;
        final int minImages;
        final java.util.List<Double> rates = new java.util.ArrayList<>();
        final java.util.List<Double> images = new java.util.ArrayList<>();
        double elapsed;

        Warm(double max, int minImages) {
            this.max = max;
            this.minImages = minImages;
        }

        void add(double rate, double seconds, double counted) {
            rates.add(rate);
            images.add(counted);
            elapsed += seconds;
        }

        /** The next window's length: {@code window}, or long enough for 1.5 MIN images at the last rate. */
        double nextWindow(double window) {
            double s = window;
            if (!rates.isEmpty() && images.get(images.size() - 1) < minImages && rates.get(rates.size() - 1) > 0) {
                s = Math.max(window, 1.5 * minImages / rates.get(rates.size() - 1));
            }
            return Math.max(1, Math.min(s, max - elapsed));
        }

        boolean stable() {
            int n = rates.size();
            if (n < 3) {
                return false;
            }
            for (int i = n - 3; i < n; i++) {
                if (images.get(i) < minImages) {
                    return false;
                }
            }
            double[] last = {rates.get(n - 3), rates.get(n - 2), rates.get(n - 1)};
            double[] sorted = last.clone();
            java.util.Arrays.sort(sorted);
            double median = sorted[1];
            return median > 0 && sorted[0] >= 0.9 * median && sorted[2] <= 1.1 * median;
        }

        boolean done() {
            return stable() || elapsed >= max;
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(stable() ? "stable" : "unstable");
            for (int i = 0; i < rates.size(); i++) {
                b.append(String.format(Locale.ROOT, " %.1f[%d]", rates.get(i), (long) (double) images.get(i)));
            }
            return b.toString();
        }
    }

    static void parse(Path file, Path dir, double seconds) throws Exception {
        Shape in = ModelFiles.read(file).model().inputShapes().get(0);
        byte[] json = Files.readAllBytes(dir.resolve("valid1.json"));
        byte[] bin = Files.readAllBytes(dir.resolve("valid1.bin"));
        int binLength = Integer.parseInt(Files.readString(dir.resolve("valid1.bin.len")).trim());
        java.util.function.IntSupplier ours = () -> InferenceProtocol.parseRequest(json, -1, in, 64).input().size();
        java.util.function.IntSupplier binary = () -> InferenceProtocol.parseRequest(bin, binLength, in, 64).input().size();
        java.util.function.IntSupplier gson = () -> {
            try (com.google.gson.stream.JsonReader r = new com.google.gson.stream.JsonReader(new java.io.InputStreamReader(
                    new java.io.ByteArrayInputStream(json), java.nio.charset.StandardCharsets.UTF_8))) {
                int n = 0;
                while (true) {
                    switch (r.peek()) {
                        case BEGIN_OBJECT -> r.beginObject();
                        case END_OBJECT -> r.endObject();
                        case BEGIN_ARRAY -> r.beginArray();
                        case END_ARRAY -> r.endArray();
                        case NAME -> r.nextName();
                        case STRING -> r.nextString();
                        case NUMBER -> n += (float) r.nextDouble() > 2 ? 1 : 0;
                        case END_DOCUMENT -> {
                            return n;
                        }
                        default -> r.skipValue();
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        System.out.printf(Locale.ROOT, "body %d bytes JSON, %d binary%n", json.length, bin.length);
        for (int pass = 0; pass < 2; pass++) { // the first pass warms up
            for (String name : new String[] {"gson-stream", "jsonbytes", "binary"}) {
                java.util.function.IntSupplier f = name.equals("gson-stream") ? gson : name.equals("jsonbytes") ? ours : binary;
                long t0 = System.nanoTime();
                long end = t0 + (long) (seconds * 1e9);
                long n = 0;
                while (System.nanoTime() < end) {
                    f.getAsInt();
                    n++;
                }
                if (pass == 1) {
                    System.out.printf(Locale.ROOT, "%s %.3f ms per body%n", name, (System.nanoTime() - t0) / 1e6 / n);
                }
            }
        }
    }

    static void bodies(Path file, Path dir) throws Exception {
        SavedModel saved = ModelFiles.read(file);
        Shape in = saved.model().inputShapes().get(0);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("valid.json"), request(Tensor.uniform(new Random(2), 0, 1, in.prepend(1).dims())));
        Shape wrong = in.withDim(1, in.dim(1) + 1);
        Files.writeString(dir.resolve("wrong-shape.json"), request(Tensor.zeros(wrong.prepend(1))));
        Files.writeString(dir.resolve("bad.json"), "{\"inputs\": [ {\"name\": \"input\", \"shape\": [1,");
        Files.writeString(dir.resolve("int8.json"), request(Tensor.zeros(in.prepend(1))).replace("FP32", "INT8"));
        // 32-sample bodies for small inputs only (LeNet-5's is 100 KiB in binary; ResNet-18's would be 19 MB)
        for (int n : in.size() <= 4096 ? new int[] {1, 8, 32} : new int[] {1, 8}) {
            Tensor x = Tensor.uniform(new Random(3), 0, 1, in.prepend(n).dims());
            Files.writeString(dir.resolve("valid" + n + ".json"), request(x));
            String header = "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":"
                    + java.util.Arrays.toString(x.shape().dims()).replace(" ", "")
                    + ",\"parameters\":{\"binary_data_size\":" + 4 * x.size() + "}}],"
                    + "\"parameters\":{\"binary_data_output\":true}}";
            byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(h.length + 4 * x.size()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.put(h);
            b.asFloatBuffer().put(x.data());
            Files.write(dir.resolve("valid" + n + ".bin"), b.array());
            Files.writeString(dir.resolve("valid" + n + ".bin.len"), Integer.toString(h.length));
        }
        Files.write(dir.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H'});
        // a valid 320x240 RGB picture for the picture endpoint (decoded against the shared decode budget, then the
        // model's preprocessing): a gradient with some noise, as a photo-sized upload
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(320, 240, java.awt.image.BufferedImage.TYPE_INT_RGB);
        Random r = new Random(4);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int v = Math.min(255, (x + y) / 2 + r.nextInt(16));
                img.setRGB(x, y, v << 16 | (255 - v) << 8 | (x & 0xff));
            }
        }
        javax.imageio.ImageIO.write(img, "png", dir.resolve("picture.png").toFile());
        // for the large-picture soak (serve-load.sh --soak-pictures large): a 1600x1200 RGB picture, small on the
        // wire (smooth, so PNG packs it) but large to decode, and in large.need what the server reserves for it
        // from its decode budget (PictureDecoder.bytesToPrepare: the header's decoding bytes plus one float copy
        // in the model's channels), so that the script can set a budget of a few pictures
        java.awt.image.BufferedImage big = new java.awt.image.BufferedImage(1600, 1200, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < big.getHeight(); y++) {
            for (int x = 0; x < big.getWidth(); x++) {
                big.setRGB(x, y, (x / 7 & 0xff) << 16 | (y / 5 & 0xff) << 8 | ((x + y) / 11 & 0xff));
            }
        }
        Path large = dir.resolve("large.png");
        javax.imageio.ImageIO.write(big, "png", large.toFile());
        org.convnet4j.image.PictureHeader h = org.convnet4j.image.Images.header(Files.readAllBytes(large), "large.png");
        long need = h.decodingBytes() + 4L * Math.max(in.dim(0), h.channels()) * h.height() * h.width();
        Files.writeString(dir.resolve("large.need"), Long.toString(need));
    }

    static String request(Tensor x) {
        return InferenceProtocol.request(x, null).toString();
    }
}
