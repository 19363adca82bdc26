package org.convnet4j.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One home for each small routine that the project had written again and again (issue 14: softmax 9 times, row
 * argmax 7 times, "CxHxW" parsing 4 times, a private SHA-256 helper in 3 classes): a main source file of any module
 * (examples/ included) that writes one of them outside its home fails here, naming the file and line. A copy is
 * recognised by its shape (a max-shifted {@code Math.exp}, an element compared with the current best of its own
 * array, a {@code split} on 'x', {@code MessageDigest.getInstance}) or by a method named for the routine; a method of
 * that name whose body only calls the home (no loop) is a delegation, not a copy.
 *
 * <p>The exceptions are listed below, each with the reason it is not the home's routine; an exception that no longer
 * matches anything fails too, so the list stays true. Test sources are not scanned on purpose: a test computes its
 * expected values its own way (DecisionFusionTest's argmax, DownloadsTest's SHA-256), and a test that checked
 * RowOps with RowOps would prove nothing. The detectors are checked on the homes themselves: each must recognise
 * its home's own implementation, or a rule could quietly match nothing.
 */
class OneHomeTest {
    private static final String LAYERS = "convnet4j-core/src/main/java/org/convnet4j/nn/layers/";
    private static final String ONNX = "convnet4j-io/src/main/java/org/convnet4j/io/onnx/";
    private static final String POOLING_WINNER = "max pooling's winner per window, kept for the backward pass: cells"
            + " of a plane's window, not a row of class scores";

    /** A routine, its one home, how a copy looks, and the files allowed to look like that (with why). */
    record Rule(String routine, String home, String delegation, List<Pattern> shapes, Pattern methodName,
                Map<String, String> exceptions) {
    }

    private static final List<Rule> RULES = List.of(
            new Rule("softmax / log-sum-exp of a row", "convnet4j-core/src/main/java/org/convnet4j/tensor/RowOps.java",
                    "RowOps.",
                    List.of(Pattern.compile("Math\\.exp\\([^;]*-\\s*(max|mx|maximum|hi|top|m)\\b")),
                    Pattern.compile("(softmax|logSoftmax|logSumExp)\\w*", Pattern.CASE_INSENSITIVE),
                    exceptions(
                            LAYERS + "Softmax.java", "the Softmax layer: float tensors of any rank, the row scaled by"
                                    + " the kernels and kept for its own backward",
                            LAYERS + "AxisSoftmax.java", "ONNX (Log)Softmax along any axis, with its backward",
                            LAYERS + "Reduce.java", "ONNX ReduceLogSumExp along any axes, with its backward",
                            "convnet4j-core/src/main/java/org/convnet4j/train/loss/SoftmaxCrossEntropy.java",
                            "the loss: each row's softmax fused with its gradient",
                            "convnet4j-core/src/main/java/org/convnet4j/transfer/SoftmaxRegression.java",
                            "L-BFGS's loss and gradient in one pass over double logits, as SoftmaxCrossEntropy",
                            "convnet4j-ml/src/main/java/org/convnet4j/ml/TribuoClassifier.java",
                            "Tribuo's decision scores over the classes it saw; the others get 0, not exp",
                            ONNX + "OnnxFolding.java", "ONNX operators folded at import: axes and opset rules",
                            ONNX + "OnnxGradients.java", "the gradient of ONNX Softmax along an axis (training import)",
                            ONNX + "OnnxImporter.java", "maps an ONNX Softmax node to a layer; computes nothing",
                            ONNX + "OnnxMl.java", "ONNX-ML's post_transform SOFTMAX_ZERO: a zero score stays 0")),
            new Rule("row argmax", "convnet4j-core/src/main/java/org/convnet4j/tensor/RowOps.java", "RowOps.",
                    List.of(Pattern.compile("\\b(\\w+)\\[[^\\]]+\\]\\s*>=?\\s*\\1\\["),
                            Pattern.compile("\\]\\s*>\\s*best\\w*\\s*[)?]")),
                    Pattern.compile("arg_?max\\w*", Pattern.CASE_INSENSITIVE),
                    exceptions(
                            LAYERS + "Reduce.java", "ONNX ArgMax/ArgMin along any axis, first or last index",
                            LAYERS + "GlobalMaxPool2d.java", POOLING_WINNER,
                            "convnet4j-core/src/main/java/org/convnet4j/ops/Pooling.java", POOLING_WINNER,
                            ONNX + "OnnxWindows.java", POOLING_WINNER,
                            ONNX + "OnnxMl.java", "libsvm's one-vs-one votes: int counts, the first of the most voted")),
            new Rule("shape parsing (\"CxHxW\")", "convnet4j-core/src/main/java/org/convnet4j/tensor/Shape.java",
                    "Shape.parse",
                    List.of(Pattern.compile("\\.split\\(\"[^\"]*[xX][^\"]*\"\\)")),
                    Pattern.compile("parse\\w*(Shape|Picture|Dims|Resize)\\w*|(shape|picture|dims)From\\w*",
                            Pattern.CASE_INSENSITIVE),
                    exceptions()),
            new Rule("SHA-256 and hex digests", "convnet4j-core/src/main/java/org/convnet4j/util/Digests.java",
                    "Digests.",
                    List.of(Pattern.compile("MessageDigest\\.getInstance\\("),
                            Pattern.compile("HexFormat\\.of\\(\\)"),
                            Pattern.compile("Character\\.forDigit\\(|\"%02x\"")),
                    Pattern.compile("(sha256|sha1|md5|hex)(Of|Hex)?", Pattern.CASE_INSENSITIVE),
                    exceptions()));

    private static final Pattern METHOD = Pattern.compile(
            "(?m)^\\s*(?:(?:public|protected|private|static|final|synchronized)\\s+)+[\\w<>\\[\\], .?]+\\s+(\\w+)\\s*\\(");

    private static Map<String, String> sources;

    @BeforeAll
    static void read() throws IOException {
        sources = new TreeMap<>();
        Path root = Path.of("..");
        List<Path> trees = new ArrayList<>();
        try (var modules = Files.list(root)) {
            modules.filter(m -> m.getFileName().toString().startsWith("convnet4j-")).forEach(trees::add);
        }
        trees.add(root.resolve("examples"));
        for (Path module : trees) {
            Path main = module.resolve("src/main/java");
            if (!Files.isDirectory(main)) {
                continue;
            }
            try (var walk = Files.walk(main)) {
                for (Path f : (Iterable<Path>) walk.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    String name = root.relativize(f).toString().replace('\\', '/');
                    sources.put(name, withoutComments(Files.readString(f)));
                }
            }
        }
        assertTrue(sources.size() > 400, "read the main sources of every module from " + root.toAbsolutePath()
                + " (" + sources.size() + " files)");
    }

    @Test
    void eachRoutineIsWrittenOnlyInItsHome() {
        List<String> copies = new ArrayList<>();
        for (Rule r : RULES) {
            for (Map.Entry<String, String> f : sources.entrySet()) {
                if (!f.getKey().equals(r.home()) && !r.exceptions().containsKey(f.getKey())) {
                    for (String where : copies(r, f.getValue())) {
                        copies.add(r.routine() + ": " + f.getKey() + ":" + where);
                    }
                }
            }
        }
        assertTrue(copies.isEmpty(), "a copy of a routine that has one home (call the home instead, or list the file"
                + " in OneHomeTest with the reason it is a different routine):\n  " + String.join("\n  ", copies));
    }

    @Test
    void theDetectorsRecogniseTheHomesAndEveryExceptionStillMatches() {
        List<String> wrong = new ArrayList<>();
        for (Rule r : RULES) {
            String home = sources.get(r.home());
            if (home == null) {
                wrong.add(r.routine() + ": its home " + r.home() + " is missing");
            } else if (shapes(r, home).isEmpty()) {
                wrong.add(r.routine() + ": the detector does not recognise the home's own code in " + r.home());
            }
            for (String file : r.exceptions().keySet()) {
                String text = sources.get(file);
                if (text == null || copies(r, text).isEmpty()) {
                    wrong.add(r.routine() + ": the exception " + file + " matches nothing any more; remove it");
                }
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void theDetectorsCatchTheCopiesThatCameBack() {
        // the shapes of copies found in this tree before they were replaced by their homes (issue 14)
        String probe = """
                class Probe {
                    double[] p(float[] v, int k) {
                        double max = Double.NEGATIVE_INFINITY;
                        double sum = 0;
                        for (int j = 0; j < k; j++) {
                            sum += Math.exp(v[j] - max);
                        }
                        int best = 0;
                        for (int c = 1; c < k; c++) {
                            best = v[c] > v[best] ? c : best;
                        }
                        return null;
                    }
                    static int side(String s) {
                        String[] parts = s.toLowerCase(Locale.ROOT).split("x");
                        return parts.length;
                    }
                    static MessageDigest sha256() {
                        return MessageDigest.getInstance("SHA-256");
                    }
                    static String hex(byte[] b) {
                        return String.format("%02x", b[0]);
                    }
                    static int argmax(double[] v) {
                        return RowOps.argmax(v);
                    }
                }
                """;
        Map<String, Integer> found = new LinkedHashMap<>();
        for (Rule r : RULES) {
            found.put(r.routine(), copies(r, withoutComments(probe)).size());
        }
        // softmax: the exp line; argmax: the comparison (argmax(double[]) delegates: no copy); shape: the split;
        // digests: getInstance, the "%02x", and the two methods named sha256 and hex that do not delegate
        assertEquals(List.of(1, 1, 1, 4), List.copyOf(found.values()), found.toString());
    }

    /** Where {@code text} holds a copy of the rule's routine: "line (what)". */
    private static List<String> copies(Rule r, String text) {
        List<String> where = new ArrayList<>(shapes(r, text));
        for (Declared d : DECLARED.computeIfAbsent(text, OneHomeTest::declared)) {
            if (r.methodName().matcher(d.name()).matches() && !delegates(text, d.parameters(), r.delegation())) {
                where.add(line(text, d.at()) + " (a method named " + d.name() + ")");
            }
        }
        return where;
    }

    /** A method declared in a file: its name, where the name starts and where its parameters start. */
    private record Declared(String name, int at, int parameters) {
    }

    /** The methods of each text, found once for all the rules (the slow part of the scan). */
    private static final Map<String, List<Declared>> DECLARED = new java.util.concurrent.ConcurrentHashMap<>();

    private static List<Declared> declared(String text) {
        List<Declared> found = new ArrayList<>();
        Matcher m = METHOD.matcher(text);
        while (m.find()) {
            found.add(new Declared(m.group(1), m.start(1), m.end()));
        }
        return found;
    }

    private static List<String> shapes(Rule r, String text) {
        TreeSet<Integer> lines = new TreeSet<>();
        for (Pattern p : r.shapes()) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                lines.add(line(text, m.start()));
            }
        }
        return lines.stream().map(l -> l + " (" + text.lines().skip(l - 1).findFirst().orElse("").trim() + ")")
                .toList();
    }

    /** True if the method whose parameters start at {@code from} has a body that calls the home and loops not. */
    private static boolean delegates(String text, int from, String home) {
        int open = text.indexOf('{', from);
        int semicolon = text.indexOf(';', from);
        if (open < 0 || semicolon >= 0 && semicolon < open) {
            return false; // abstract or an interface's: no body to judge, so no copy either
        }
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                String body = text.substring(open, i);
                return body.contains(home) && !body.contains("for (") && !body.contains("while (");
            }
        }
        return false;
    }

    private static int line(String text, int offset) {
        int n = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    /** The text with comments blanked (line breaks kept, so line numbers stay); string literals are kept. */
    static String withoutComments(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'') {
                int j = i + 1;
                boolean block = c == '"' && s.startsWith("\"\"\"", i);
                if (block) {
                    int end = s.indexOf("\"\"\"", i + 3);
                    j = end < 0 ? s.length() : end + 3;
                } else {
                    while (j < s.length() && s.charAt(j) != c && s.charAt(j) != '\n') {
                        j += s.charAt(j) == '\\' ? 2 : 1;
                    }
                    j = Math.min(j + 1, s.length());
                }
                b.append(s, i, j);
                i = j;
            } else if (s.startsWith("//", i) || s.startsWith("/*", i)) {
                int end = s.startsWith("//", i) ? s.indexOf('\n', i) : s.indexOf("*/", i + 2);
                end = end < 0 ? s.length() : s.startsWith("//", i) ? end : end + 2;
                for (int k = i; k < end; k++) {
                    b.append(s.charAt(k) == '\n' ? '\n' : ' ');
                }
                i = end;
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }

    private static Map<String, String> exceptions(String... fileAndReason) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < fileAndReason.length; i += 2) {
            m.put(fileAndReason[i], fileAndReason[i + 1]);
        }
        return m;
    }
}
