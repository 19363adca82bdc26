package org.convnet4j.train;

import org.convnet4j.internal.json.Json;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts of (actual class, predicted class) pairs, with the per-class and macro-averaged scores derived
 * from them. A class that is never predicted has precision 0, one that never occurs has recall 0, and F1 is
 * 0 when precision and recall are both 0 (scikit-learn's {@code zero_division=0}).
 */
public final class ConfusionMatrix {
    private final List<String> classNames;
    private final long[][] counts;

    public ConfusionMatrix(List<String> classNames) {
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("ConfusionMatrix: needs at least one class");
        }
        this.classNames = List.copyOf(classNames);
        this.counts = new long[classNames.size()][classNames.size()];
    }

    /** Default names "0", "1", ... for {@code k} classes. */
    public static List<String> numberedClasses(int k) {
        List<String> names = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            names.add(Integer.toString(i));
        }
        return names;
    }

    public int numClasses() {
        return counts.length;
    }

    public List<String> classNames() {
        return classNames;
    }

    public void add(int actual, int predicted) {
        if (actual < 0 || actual >= counts.length || predicted < 0 || predicted >= counts.length) {
            throw new IllegalArgumentException("ConfusionMatrix: class (" + actual + ", " + predicted + ") outside 0.."
                    + (counts.length - 1));
        }
        counts[actual][predicted]++;
    }

    /** Samples of class {@code actual} predicted as {@code predicted}. */
    public long count(int actual, int predicted) {
        return counts[actual][predicted];
    }

    public long total() {
        long n = 0;
        for (long[] row : counts) {
            for (long c : row) {
                n += c;
            }
        }
        return n;
    }

    private long correct() {
        long n = 0;
        for (int i = 0; i < counts.length; i++) {
            n += counts[i][i];
        }
        return n;
    }

    /** Fraction of samples on the diagonal; NaN if empty. */
    public double accuracy() {
        long total = total();
        return total == 0 ? Double.NaN : (double) correct() / total;
    }

    private long predictedAs(int c) {
        long n = 0;
        for (long[] row : counts) {
            n += row[c];
        }
        return n;
    }

    private long actuallyIn(int c) {
        long n = 0;
        for (long v : counts[c]) {
            n += v;
        }
        return n;
    }

    public double precision(int c) {
        long p = predictedAs(c);
        return p == 0 ? 0 : (double) counts[c][c] / p;
    }

    public double recall(int c) {
        long a = actuallyIn(c);
        return a == 0 ? 0 : (double) counts[c][c] / a;
    }

    public double f1(int c) {
        double p = precision(c);
        double r = recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    public double macroPrecision() {
        double s = 0;
        for (int c = 0; c < counts.length; c++) {
            s += precision(c);
        }
        return s / counts.length;
    }

    public double macroRecall() {
        double s = 0;
        for (int c = 0; c < counts.length; c++) {
            s += recall(c);
        }
        return s / counts.length;
    }

    public double macroF1() {
        double s = 0;
        for (int c = 0; c < counts.length; c++) {
            s += f1(c);
        }
        return s / counts.length;
    }

    /**
     * Counts by actual class (rows) and predicted class (columns), then the per-class scores, as compact JSON
     * text (an object).
     */
    public String toJson() {
        return Json.toCompact(tree());
    }

    JsonObject tree() {
        JsonObject o = new JsonObject();
        JsonArray names = new JsonArray();
        classNames.forEach(names::add);
        o.add("class_names", names);
        JsonArray matrix = new JsonArray();
        for (long[] row : counts) {
            JsonArray r = new JsonArray();
            for (long c : row) {
                r.add(c);
            }
            matrix.add(r);
        }
        o.add("matrix", matrix);
        JsonArray perClass = new JsonArray();
        for (int c = 0; c < counts.length; c++) {
            JsonObject pc = new JsonObject();
            pc.addProperty("class", classNames.get(c));
            pc.addProperty("precision", precision(c));
            pc.addProperty("recall", recall(c));
            pc.addProperty("f1", f1(c));
            pc.addProperty("support", actuallyIn(c));
            perClass.add(pc);
        }
        o.add("per_class", perClass);
        o.addProperty("accuracy", accuracy());
        o.addProperty("macro_precision", macroPrecision());
        o.addProperty("macro_recall", macroRecall());
        o.addProperty("macro_f1", macroF1());
        return o;
    }

    /** The matrix as a table (rows: actual, columns: predicted), then precision, recall, F1 and support. */
    @Override
    public String toString() {
        int k = counts.length;
        int nameWidth = "actual \\ predicted".length();
        for (String n : classNames) {
            nameWidth = Math.max(nameWidth, n.length());
        }
        int cell = 6;
        for (long[] row : counts) {
            for (long c : row) {
                cell = Math.max(cell, Long.toString(c).length() + 1);
            }
        }
        StringBuilder b = new StringBuilder();
        b.append(pad("actual \\ predicted", nameWidth));
        for (int c = 0; c < k; c++) {
            b.append(padLeft(Integer.toString(c), cell));
        }
        b.append('\n');
        for (int r = 0; r < k; r++) {
            b.append(pad(classNames.get(r), nameWidth));
            for (int c = 0; c < k; c++) {
                b.append(padLeft(Long.toString(counts[r][c]), cell));
            }
            b.append('\n');
        }
        b.append('\n').append(pad("class", nameWidth + 6)).append(padLeft("precision", 10)).append(padLeft("recall", 10))
                .append(padLeft("f1", 10)).append(padLeft("support", 10)).append('\n');
        for (int c = 0; c < k; c++) {
            b.append(pad(c + "  " + classNames.get(c), nameWidth + 6))
                    .append(String.format(java.util.Locale.ROOT, "%10.4f%10.4f%10.4f%10d%n", precision(c), recall(c),
                            f1(c), actuallyIn(c)));
        }
        b.append(pad("macro average", nameWidth + 6)).append(String.format(java.util.Locale.ROOT, "%10.4f%10.4f%10.4f%10d%n",
                macroPrecision(), macroRecall(), macroF1(), total()));
        b.append(String.format(java.util.Locale.ROOT, "accuracy %.4f (%d of %d)%n", accuracy(), correct(), total()));
        return b.toString();
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s + " " : s + " ".repeat(w - s.length() + 1);
    }

    private static String padLeft(String s, int w) {
        return s.length() >= w ? " " + s : " ".repeat(w - s.length()) + s;
    }
}
