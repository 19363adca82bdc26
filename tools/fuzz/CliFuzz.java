import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Mutation fuzzing through the command line (issue 15): mutated model files go through `convnet4j predict`, mutated
 * request bodies through a running `convnet4j serve`. Every outcome must be a success or one line on stderr with
 * exit 2 (no stack trace, no out-of-memory report, within the time limit); every HTTP answer a status below 500
 * with, for a refusal, one line of JSON `{"error": ...}`. Anything else is written to OUT/findings/ with its input.
 *
 * <p>Run with the CLI jar on the class path (docs/ROBUSTNESS.md, "Fuzzing through the command line"):
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx1g -cp convnet4j-cli/target/convnet4j.jar tools/fuzz/CliFuzz.java \
 *     inproc|jvm OUT N SEED PICTURE SEEDFILE...      (model files: predict --model MUTANT PICTURE)
 * java ... tools/fuzz/CliFuzz.java files OUT 0 0 PICTURE FILE...   (files mutated elsewhere, as they are, in process)
 * java ... tools/fuzz/CliFuzz.java serve OUT N SEED PICTURE   (request bodies against a child `serve`)
 * java ... tools/fuzz/CliFuzz.java inputs OUT N SEED - CASEDIR...  (the case's model as it is, one of its inputs
 *     input_J.json / .pb / .npy mutated: JSON text by value and structure (huge, lone-surrogate, control-character
 *     strings, shapes, datatypes, deep nesting), .pb/.npy bytes as the model files)
 * java ... tools/fuzz/CliFuzz.java infer OUT N SEED - CASEDIR...  (ONNX programs run by `infer --model
 *     CASEDIR/model.onnx --input CASEDIR/input_0.pb ...`: N = 0 each case as it is (tools/fuzz/onnx_programs.py
 *     makes them), N > 0 that many byte mutations of a random case's model file, with its inputs)
 * </pre>
 *
 * In {@code inproc} mode every input runs through {@code Main.execute} in this JVM (fast: thousands of inputs),
 * with the heap's peak measured per input; {@code jvm} runs each input as its own {@code java -Xmx1g -jar}
 * process and records its peak resident memory (slow, the real thing).
 */
public class CliFuzz {
    static final long TIMEOUT_S = 60;

    public static void main(String[] a) throws Exception {
        String mode = a[0];
        Path out = Files.createDirectories(Path.of(a[1]));
        int n = Integer.parseInt(a[2]);
        long seed = Long.parseLong(a[3]);
        Path picture = Path.of(a[4]);
        Files.createDirectories(out.resolve("findings"));
        if (mode.equals("serve")) {
            serve(out, n, seed, picture);
            return;
        }
        List<Path> seeds = new ArrayList<>();
        for (int i = 5; i < a.length; i++) {
            seeds.add(Path.of(a[i]));
        }
        if (mode.equals("infer")) {
            programs(out, n, seed, seeds);
            return;
        }
        if (mode.equals("inputs")) {
            inputs(out, n, seed, seeds);
            return;
        }
        models(mode, out, n, seed, picture, seeds);
    }

    // ---- mutations ----------------------------------------------------------------------------------------

    static final long[] INTERESTING = {0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffffL, 0x80000000L,
            0xffffffffL, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, 1 << 20, 1 << 28};

    static String lastMutation;

    static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        int rounds = 1 + r.nextInt(3);
        StringBuilder what = new StringBuilder();
        for (int k = 0; k < rounds && b.length > 0; k++) {
            int op = r.nextInt(8);
            int at = r.nextInt(b.length);
            switch (op) {
                case 0 -> { // bit flips
                    int flips = 1 + r.nextInt(8);
                    for (int i = 0; i < flips; i++) {
                        int p = r.nextInt(b.length);
                        b[p] ^= (byte) (1 << r.nextInt(8));
                    }
                    what.append("flip").append(flips).append(' ');
                }
                case 1 -> { // interesting byte
                    b[at] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
                    what.append("byte@").append(at).append(' ');
                }
                case 2 -> { // interesting 4- or 8-byte integer, either byte order
                    long v = INTERESTING[r.nextInt(INTERESTING.length)];
                    int w = r.nextBoolean() ? 4 : 8;
                    boolean little = r.nextBoolean();
                    for (int i = 0; i < w && at + i < b.length; i++) {
                        int shift = 8 * (little ? i : w - 1 - i);
                        b[at + i] = (byte) (v >>> shift);
                    }
                    what.append("int").append(w).append('@').append(at).append(' ');
                }
                case 3 -> { // varint (protobuf lengths, dims): a long one
                    long v = INTERESTING[r.nextInt(INTERESTING.length)];
                    byte[] var = varint(v);
                    for (int i = 0; i < var.length && at + i < b.length; i++) {
                        b[at + i] = var[i];
                    }
                    what.append("varint@").append(at).append(' ');
                }
                case 4 -> { // truncate
                    b = java.util.Arrays.copyOf(b, at);
                    what.append("cut@").append(at).append(' ');
                }
                case 5 -> { // delete a chunk
                    int len = Math.min(b.length - at, 1 + r.nextInt(64));
                    byte[] c = new byte[b.length - len];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at + len, c, at, b.length - at - len);
                    b = c;
                    what.append("del").append(len).append('@').append(at).append(' ');
                }
                case 6 -> { // duplicate a chunk in place
                    int len = Math.min(b.length - at, 1 + r.nextInt(256));
                    byte[] c = new byte[b.length + len];
                    System.arraycopy(b, 0, c, 0, at + len);
                    System.arraycopy(b, at, c, at + len, b.length - at);
                    b = c;
                    what.append("dup").append(len).append('@').append(at).append(' ');
                }
                default -> { // random bytes over a span
                    int len = Math.min(b.length - at, 1 + r.nextInt(16));
                    for (int i = 0; i < len; i++) {
                        b[at + i] = (byte) r.nextInt(256);
                    }
                    what.append("rand").append(len).append('@').append(at).append(' ');
                }
            }
        }
        lastMutation = what.toString().trim();
        return b;
    }

    static byte[] varint(long v) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        while ((v & ~0x7fL) != 0) {
            o.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
        return o.toByteArray();
    }

    // ---- model files through predict ----------------------------------------------------------------------

    record Outcome(int code, String err, long peakBytes, double seconds) {
    }

    static void models(String mode, Path out, int n, long seed, Path picture, List<Path> seeds) throws Exception {
        Random r = new Random(seed);
        Map<String, Integer> counts = new TreeMap<>();
        long worstPeak = 0;
        double worstSeconds = 0;
        Path work = Files.createDirectories(out.resolve("work"));
        boolean asIs = mode.equals("files");
        if (asIs) {
            n = seeds.size();
        }
        for (int i = 0; i < n; i++) {
            Path s = asIs ? seeds.get(i) : seeds.get(r.nextInt(seeds.size()));
            String name = s.getFileName().toString();
            String ext = name.substring(name.lastIndexOf('.'));
            byte[] bytes = asIs ? Files.readAllBytes(s) : mutate(Files.readAllBytes(s), r);
            lastMutation = asIs ? "(pre-mutated file " + s + ")" : lastMutation;
            Path f = work.resolve("m" + ext);
            Files.write(f, bytes);
            String[] args = {"predict", "--model", f.toString(), picture.toString()};
            Outcome o = mode.equals("jvm") ? inJvm(args) : inProcess(args);
            String verdict = verdict(o);
            counts.merge(verdict, 1, Integer::sum);
            worstPeak = Math.max(worstPeak, o.peakBytes);
            worstSeconds = Math.max(worstSeconds, o.seconds);
            if (verdict.startsWith("FINDING")) {
                Path keep = out.resolve("findings").resolve(String.format("%04d-%s%s", i, name, ""));
                Files.write(keep, bytes);
                Files.writeString(out.resolve("findings").resolve(String.format("%04d-%s.txt", i, name)),
                        verdict + "\nseed file " + s + "\nmutation " + lastMutation + "\nexit " + o.code + "\n"
                                + o.err);
            }
            if ((i + 1) % 50 == 0 || i + 1 == n) {
                System.out.printf(Locale.ROOT, "%s %d/%d %s worst peak %d MB, worst %.1f s%n", mode, i + 1, n, counts,
                        worstPeak >> 20, worstSeconds);
            }
        }
    }

    /** ONNX programs that run: {@code infer} with each case folder's model.onnx and input_*.pb (see main's doc). */
    static void programs(Path out, int n, long seed, List<Path> cases) throws Exception {
        Random r = new Random(seed);
        Map<String, Integer> counts = new TreeMap<>();
        long worstPeak = 0;
        double worstSeconds = 0;
        Path work = Files.createDirectories(out.resolve("work"));
        boolean asIs = n == 0;
        int total = asIs ? cases.size() : n;
        for (int i = 0; i < total; i++) {
            Path c = asIs ? cases.get(i) : cases.get(r.nextInt(cases.size()));
            byte[] bytes = Files.readAllBytes(c.resolve("model.onnx"));
            if (!asIs) {
                bytes = mutate(bytes, r);
            }
            lastMutation = asIs ? "(case as made by onnx_programs.py)" : lastMutation;
            Path model = work.resolve("model.onnx");
            Files.write(model, bytes);
            List<String> args = new ArrayList<>(List.of("infer", "--model", model.toString()));
            List<Path> inputs = new ArrayList<>();
            for (int j = 0; Files.exists(c.resolve("input_" + j + ".pb")); j++) {
                inputs.add(c.resolve("input_" + j + ".pb"));
                args.addAll(List.of("--input", c.resolve("input_" + j + ".pb").toString()));
            }
            args.addAll(List.of("-o", work.resolve("out").toString()));
            Outcome o = inProcess(args.toArray(String[]::new));
            String verdict = verdict(o);
            counts.merge(verdict, 1, Integer::sum);
            worstPeak = Math.max(worstPeak, o.peakBytes);
            worstSeconds = Math.max(worstSeconds, o.seconds);
            if (verdict.startsWith("FINDING")) {
                Path keep = Files.createDirectories(out.resolve("findings").resolve(String.format("%04d-%s", i,
                        c.getFileName())));
                Files.write(keep.resolve("model.onnx"), bytes);
                for (int j = 0; j < inputs.size(); j++) {
                    Files.copy(inputs.get(j), keep.resolve("input_" + j + ".pb"));
                }
                Files.writeString(keep.resolve("finding.txt"), verdict + "\ncase " + c + "\nmutation " + lastMutation
                        + "\nexit " + o.code + "\n" + o.err);
            }
            if ((i + 1) % 50 == 0 || i + 1 == total) {
                System.out.printf(Locale.ROOT, "infer %d/%d %s worst peak %d MB, worst %.1f s%n", i + 1, total, counts,
                        worstPeak >> 20, worstSeconds);
            }
        }
    }

    /** A case's inputs, in order: input_J with the first suffix of .json, .pb, .npy that exists. */
    static List<Path> caseInputs(Path c) {
        List<Path> inputs = new ArrayList<>();
        for (int j = 0; ; j++) {
            Path found = null;
            for (String ext : List.of(".json", ".pb", ".npy")) {
                if (Files.exists(c.resolve("input_" + j + ext))) {
                    found = c.resolve("input_" + j + ext);
                    break;
                }
            }
            if (found == null) {
                return inputs;
            }
            inputs.add(found);
        }
    }

    /** The models as they are, one input of each run mutated (see main's doc). */
    static void inputs(Path out, int n, long seed, List<Path> cases) throws Exception {
        Random r = new Random(seed);
        Map<String, Integer> counts = new TreeMap<>();
        long worstPeak = 0;
        double worstSeconds = 0;
        Path work = Files.createDirectories(out.resolve("work"));
        for (int i = 0; i < n; i++) {
            Path c = cases.get(r.nextInt(cases.size()));
            List<Path> inputs = caseInputs(c);
            int which = r.nextInt(inputs.size());
            List<String> args = new ArrayList<>(List.of("infer", "--model", c.resolve("model.onnx").toString()));
            byte[] mutated = null;
            Path mutant = null;
            for (int j = 0; j < inputs.size(); j++) {
                Path in = inputs.get(j);
                if (j == which) {
                    String name = in.getFileName().toString();
                    byte[] b = Files.readAllBytes(in);
                    mutated = name.endsWith(".json") && r.nextInt(4) != 0 ? mutateJson(new String(b, StandardCharsets.UTF_8), r)
                            .getBytes(StandardCharsets.UTF_8) : mutate(b, r);
                    mutant = work.resolve(name);
                    Files.write(mutant, mutated);
                    in = mutant;
                }
                args.addAll(List.of("--input", in.toString()));
            }
            args.addAll(List.of("-o", work.resolve("out").toString()));
            Outcome o = inProcess(args.toArray(String[]::new));
            String verdict = verdict(o);
            counts.merge(verdict, 1, Integer::sum);
            worstPeak = Math.max(worstPeak, o.peakBytes);
            worstSeconds = Math.max(worstSeconds, o.seconds);
            if (verdict.startsWith("FINDING")) {
                Path keep = Files.createDirectories(out.resolve("findings").resolve(String.format("%04d-%s", i,
                        c.getFileName())));
                Files.write(keep.resolve(mutant.getFileName().toString()), mutated);
                Files.writeString(keep.resolve("finding.txt"), verdict + "\ncase " + c + "\nmutation " + lastMutation
                        + "\nexit " + o.code + "\n" + o.err);
            }
            if ((i + 1) % 50 == 0 || i + 1 == n) {
                System.out.printf(Locale.ROOT, "inputs %d/%d %s worst peak %d MB, worst %.1f s%n", i + 1, n, counts,
                        worstPeak >> 20, worstSeconds);
            }
        }
    }

    static final String[] JSON_VALUES = {"\"\"", "\"\\ud800\"", "\"\\u001b]0;x\\u0007\"", "\"\\udc00\\ud800\"", "null", "true",
            "1e400", "-0", "[]", "{}", "[[]]", "\"BYTES\"", "\"FP32\"", "\"INT64\"", "\"STRING\"", "9223372036854775808",
            "-1", "0", "4294967296", "[1,2]", "\"\\u0000\"", "\"é\"", "\"\uD83D\uDE00\""};

    /** Mutations of JSON text that keep it mostly JSON: values swapped, strings grown, arrays nested, cut. */
    static String mutateJson(String s, Random r) {
        StringBuilder what = new StringBuilder("json ");
        int rounds = 1 + r.nextInt(3);
        for (int k = 0; k < rounds && s.length() < (1 << 24); k++) { // at most some 16M characters
            int op = r.nextInt(8);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"[^\"\\\\]*+(?:\\\\.[^\"\\\\]*+)*+\"|-?[0-9][0-9.eE+-]*+|true|false|null")
                    .matcher(s);
            List<int[]> tokens = new ArrayList<>();
            while (m.find()) {
                tokens.add(new int[] {m.start(), m.end()});
            }
            if (tokens.isEmpty()) {
                return s + "]";
            }
            int[] t = tokens.get(r.nextInt(tokens.size()));
            switch (op) {
                case 0 -> { // a value replaced by an interesting one
                    String v = JSON_VALUES[r.nextInt(JSON_VALUES.length)];
                    s = s.substring(0, t[0]) + v + s.substring(t[1]);
                    what.append("value ").append(v).append(' ');
                }
                case 1 -> { // a number replaced by an interesting integer
                    long v = INTERESTING[r.nextInt(INTERESTING.length)];
                    s = s.substring(0, t[0]) + v + s.substring(t[1]);
                    what.append("int ").append(v).append(' ');
                }
                case 2 -> { // a huge string
                    int len = 1 << (10 + r.nextInt(14));
                    s = s.substring(0, t[0]) + "\"" + "x".repeat(len) + "\"" + s.substring(t[1]);
                    what.append("string of ").append(len).append(' ');
                }
                case 3 -> { // a token repeated many times (more values than the shape)
                    String tok = s.substring(t[0], t[1]);
                    int times = Math.max(1, Math.min(1 << r.nextInt(16), (1 << 22) / (tok.length() + 1)));
                    s = s.substring(0, t[1]) + ("," + tok).repeat(times) + s.substring(t[1]);
                    what.append("repeat ").append(times).append(' ');
                }
                case 4 -> { // deep nesting
                    int depth = 1 << r.nextInt(15);
                    s = s.substring(0, t[0]) + "[".repeat(depth) + s.substring(t[0], t[1]) + "]".repeat(depth)
                            + s.substring(t[1]);
                    what.append("nest ").append(depth).append(' ');
                }
                case 5 -> { // cut
                    int at = r.nextInt(s.length());
                    s = s.substring(0, at);
                    what.append("cut@").append(at).append(' ');
                }
                case 6 -> { // a token deleted
                    s = s.substring(0, t[0]) + s.substring(t[1]);
                    what.append("delete ").append(' ');
                }
                default -> { // a key duplicated / an unknown key
                    String key = List.of("\"shape\"", "\"datatype\"", "\"data\"", "\"x\"").get(r.nextInt(4));
                    int brace = s.indexOf('{');
                    if (brace >= 0) {
                        s = s.substring(0, brace + 1) + key + ":" + JSON_VALUES[r.nextInt(JSON_VALUES.length)] + ","
                                + s.substring(brace + 1);
                    }
                    what.append("key ").append(key).append(' ');
                }
            }
        }
        lastMutation = what.toString().strip();
        return s;
    }

    static String verdict(Outcome o) {
        List<String> lines = o.err.lines().filter(l -> !l.isBlank())
                .filter(l -> !l.startsWith("WARNING: Using incubator")).filter(l -> !l.startsWith("convnet4j: WARNING: "))
                .toList();
        boolean trace = o.err.contains("\tat ") || o.err.contains("Exception in thread");
        if (o.code == -1) {
            return "FINDING timeout";
        }
        if (trace) {
            return "FINDING stack trace";
        }
        if (o.err.contains("OutOfMemoryError") || o.err.contains("out of memory (")) {
            return "FINDING out of memory";
        }
        if (o.err.contains("StackOverflowError") || o.err.contains("stack overflow:")) {
            return "FINDING stack overflow";
        }
        if (o.code == 0) {
            return "success";
        }
        if (o.code == 2 && lines.size() == 1) {
            return "refused (one line, exit 2)";
        }
        return "FINDING exit " + o.code + " with " + lines.size() + " lines";
    }

    static final ExecutorService RUNNER = Executors.newSingleThreadExecutor(t -> {
        Thread th = new Thread(t, "fuzz-run");
        th.setDaemon(true);
        return th;
    });

    static Outcome inProcess(String[] args) throws Exception {
        StringWriter err = new StringWriter();
        StringWriter sink = new StringWriter();
        ByteArrayOutputStream rawErr = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        PrintStream oldOut = System.out;
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        System.gc();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long t0 = System.nanoTime();
        int code;
        System.setErr(new PrintStream(rawErr, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(OutputStreamSink.INSTANCE, true, StandardCharsets.UTF_8));
        Future<Integer> f = RUNNER.submit(() -> {
            try (PrintWriter o = new PrintWriter(sink); PrintWriter e = new PrintWriter(err)) {
                return org.convnet4j.cli.Main.execute(args, o, e);
            }
        });
        try {
            code = f.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            code = -1;
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
        long peak = 0;
        for (MemoryPoolMXBean p : heap) {
            peak += p.getPeakUsage().getUsed();
        }
        if (code == -1) {
            oldErr.println("timeout: the run thread is left behind; stop after this finding");
        }
        return new Outcome(code, err + rawErr.toString(StandardCharsets.UTF_8), peak,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Discards what a command prints on stdout (predictions). */
    static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }

    static Outcome inJvm(String[] args) throws Exception {
        String jar = System.getProperty("java.class.path").split(java.io.File.pathSeparator)[0];
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-f", "c4jfuzz-maxrss-kb %M", java,
                "--add-modules", "jdk.incubator.vector", "-Xss4m", "-Xmx1g", "-jar", jar));
        cmd.addAll(List.of(args));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (IOException ignored) {
                // process gone
            }
        });
        pump.start();
        int code;
        if (p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            code = p.exitValue();
        } else {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            code = -1;
        }
        pump.join(5000);
        String text = err.toString(StandardCharsets.UTF_8);
        long rss = 0;
        StringBuilder rest = new StringBuilder();
        for (String l : text.lines().toList()) {
            if (l.startsWith("c4jfuzz-maxrss-kb ")) {
                rss = Long.parseLong(l.substring(18).trim()) << 10;
            } else if (!l.startsWith("Command exited with non-zero status")) {
                rest.append(l).append('\n');
            }
        }
        return new Outcome(code, rest.toString(), rss, (System.nanoTime() - t0) / 1e9);
    }

    // ---- request bodies against serve ---------------------------------------------------------------------

    static void serve(Path out, int n, long seed, Path picture) throws Exception {
        Path model = out.resolve("lenet.c4j");
        org.convnet4j.nn.Model m = org.convnet4j.zoo.ModelZoo.build("lenet5", null, 10);
        org.convnet4j.model.ModelFiles.save(m, model);
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String jar = System.getProperty("java.class.path").split(java.io.File.pathSeparator)[0];
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path serverErr = out.resolve("server-stderr.txt");
        Process server = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Xmx512m", "-jar", jar,
                "serve", "--model", "lenet=" + model, "--port", Integer.toString(port), "--max-body", "1048576")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(serverErr.toFile()).start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String base = "http://127.0.0.1:" + port;
        for (int i = 0; ; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                // starting
            }
            if (i > 240 || !server.isAlive()) {
                throw new IllegalStateException("server did not start: " + Files.readString(serverErr));
            }
            Thread.sleep(500);
        }
        long rssStart = rssKb(server.pid());

        StringBuilder json = new StringBuilder("{\"id\":\"q\",\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],"
                + "\"datatype\":\"FP32\",\"data\":[");
        Random v = new Random(1);
        for (int i = 0; i < 784; i++) {
            json.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.3f", v.nextFloat()));
        }
        json.append("]}],\"outputs\":[{\"name\":\"output\"}]}");
        byte[] jsonBody = json.toString().getBytes(StandardCharsets.UTF_8);
        byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":3136}}],\"parameters\":{\"binary_data_output\":true}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] binBody = new byte[header.length + 3136];
        System.arraycopy(header, 0, binBody, 0, header.length);
        byte[] png = Files.readAllBytes(picture);

        Random r = new Random(seed);
        Map<String, Integer> counts = new TreeMap<>();
        int findings = 0;
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(3);
            byte[] body;
            HttpRequest.Builder q;
            String what;
            if (kind == 0) {
                body = r.nextBoolean() ? mutate(jsonBody, r) // bytes, or (since session 12) JSON values and structure
                        : mutateJson(new String(jsonBody, StandardCharsets.UTF_8), r).getBytes(StandardCharsets.UTF_8);
                q = HttpRequest.newBuilder(URI.create(base + "/v2/models/lenet/infer"));
                what = "json";
            } else if (kind == 1) {
                body = mutate(binBody, r);
                // the declared JSON length: kept, or one of the interesting values
                String len = r.nextInt(4) == 0 ? Long.toString(INTERESTING[r.nextInt(INTERESTING.length)])
                        : Integer.toString(header.length);
                q = HttpRequest.newBuilder(URI.create(base + "/v2/models/lenet/infer"))
                        .header("Inference-Header-Content-Length", len);
                what = "binary(len " + len + ")";
            } else {
                body = mutate(png, r);
                q = HttpRequest.newBuilder(URI.create(base + "/predictions/lenet?topk=" + (r.nextInt(8) == 0
                        ? Long.toString(INTERESTING[r.nextInt(INTERESTING.length)]) : "3")));
                what = "picture";
            }
            String verdict;
            String answer = "";
            int status = -1;
            try {
                HttpResponse<String> res = http.send(q.timeout(Duration.ofSeconds(TIMEOUT_S))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                status = res.statusCode();
                answer = res.body();
                if (status >= 500) {
                    verdict = "FINDING status " + status;
                } else if (status == 200) {
                    verdict = "200";
                } else if (answer.strip().lines().count() == 1 && answer.strip().startsWith("{\"error\"")) {
                    verdict = status + " one-line error";
                } else {
                    verdict = "FINDING status " + status + " without a one-line error";
                }
            } catch (IOException | InterruptedException e) {
                verdict = "FINDING no answer (" + e.getClass().getSimpleName() + ")";
            }
            counts.merge(what.startsWith("binary") && verdict.startsWith("FINDING") ? "binary " + verdict
                    : what.replaceAll("\\(.*", "") + " " + verdict, 1, Integer::sum);
            if (verdict.startsWith("FINDING")) {
                findings++;
                Files.write(out.resolve("findings").resolve(String.format("%04d-%s.body", i, what.replaceAll("\\W", ""))),
                        body);
                Files.writeString(out.resolve("findings").resolve(String.format("%04d.txt", i)), verdict + "\n" + what
                        + "\nmutation " + lastMutation + "\n" + answer);
            }
            if (!server.isAlive()) {
                counts.merge("FINDING server died", 1, Integer::sum);
                break;
            }
            if ((i + 1) % 100 == 0 || i + 1 == n) {
                System.out.printf(Locale.ROOT, "serve %d/%d %s server RSS %d -> %d MB%n", i + 1, n, counts,
                        rssStart >> 10, rssKb(server.pid()) >> 10);
            }
        }
        String live = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/live")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() + "";
        server.destroy();
        server.waitFor(30, TimeUnit.SECONDS);
        String log = Files.readString(serverErr);
        boolean traces = log.contains("\tat ") || log.contains("Exception");
        System.out.printf(Locale.ROOT, "serve done: findings %d, live after run %s, server stderr %d lines%s%n",
                findings, live, log.lines().count(), traces ? " WITH STACK TRACES (FINDING)" : ", no traces");
    }

    static long rssKb(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmHWM:")) {
                    return Long.parseLong(l.replaceAll("\\D", ""));
                }
            }
        } catch (IOException gone) {
            // process ended
        }
        return -1;
    }
}
