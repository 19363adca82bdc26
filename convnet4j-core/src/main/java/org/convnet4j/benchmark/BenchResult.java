package org.convnet4j.benchmark;

import java.util.Locale;

/**
 * One measured (or skipped) workload: a name shared with the reference scripts in {@code shared/bench}
 * (with {@code convnet4j} where they say {@code torch}), the median rate, its unit, free-text notes and the
 * Java heap high-water mark while it ran. A NaN value means "not available" (the notes say why).
 */
public record BenchResult(String workload, double value, String unit, String notes, double peakHeapMb) {

    /** A workload that could not run; {@code why} goes into the notes. */
    public static BenchResult notAvailable(String workload, String unit, String why) {
        return new BenchResult(workload, Double.NaN, unit, "not available: " + why, Double.NaN);
    }

    /** False for a workload that did not run (its value is NaN). */
    public boolean available() {
        return !Double.isNaN(value);
    }

    /** {@code WORKLOAD<TAB>value<TAB>notes}, the reference scripts' format ({@code NA} when not available). */
    public String tabLine() {
        String v = available() ? String.format(Locale.ROOT, "%.2f", value) : "NA";
        String heap = Double.isNaN(peakHeapMb) ? "" : String.format(Locale.ROOT, "; peak heap %.0f MB", peakHeapMb);
        return workload + "\t" + v + "\t" + unit + " " + notes + heap;
    }

    /** One JSON object on one line; NaN becomes null. */
    public String toJson() {
        return String.format(Locale.ROOT, "{\"workload\": %s, \"value\": %s, \"unit\": %s, \"peak_heap_mb\": %s, \"notes\": %s}",
                quote(workload), number(value), quote(unit), number(peakHeapMb), quote(notes));
    }

    /** A JSON array of results, one object per line, as {@code convnet4j bench --json} prints it. */
    public static String toJsonArray(java.util.List<BenchResult> results) {
        StringBuilder b = new StringBuilder("[\n");
        for (int i = 0; i < results.size(); i++) {
            b.append("  ").append(results.get(i).toJson()).append(i + 1 < results.size() ? "," : "").append('\n');
        }
        return b.append("]\n").toString();
    }

    private static String number(double x) {
        return Double.isNaN(x) ? "null" : String.format(Locale.ROOT, "%.3f", x);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
