package org.convnet4j.vision;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.tensor.Tensor;

/**
 * Reads a user kernel from a text file: one row per line, numbers separated by spaces, commas or tabs;
 * '#' starts a comment; blank lines are ignored. Every row must have the same number of values. Example:
 * <pre>
 * # Sobel-x
 * 1, 0, -1
 * 2, 0, -2
 * 1, 0, -1
 * </pre>
 * Errors name the file and line ("FILE: line N: ..."). Sizes are capped at {@link #MAX_SIZE} per side, and the
 * file size is checked before it is read.
 */
public final class KernelFile {
    public static final int MAX_SIZE = ClassicKernels.MAX_SIZE;
    /** Generous for 99x99 numbers with comments, small enough to refuse a wrong file (an image, a log). */
    public static final long MAX_BYTES = 1L << 20;

    private KernelFile() {
    }

    /** The kernel [KH, KW] in {@code file}. */
    public static Tensor read(Path file) {
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new IllegalArgumentException(file + ": kernel file is " + size + " bytes, more than the "
                        + MAX_BYTES + " a kernel of at most " + MAX_SIZE + "x" + MAX_SIZE + " needs");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not a kernel file: not UTF-8 text (a kernel file is rows of"
                    + " numbers; see 'convnet4j kernels')", e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read kernel file: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /**
     * A kernel given as text, as {@code convnet4j convolve --kernel} takes it: an existing file is read ({@link #read}),
     * anything else is a name ({@link ClassicKernels#byName}: {@code sobel-x}, {@code gaussian:1.5}). A name that is
     * unknown but looks like a file name (a '/' or an extension) is refused as a missing file, which is what was most
     * likely meant; an unknown name is told that a file would do too.
     *
     * @throws IllegalArgumentException one line naming {@code nameOrFile} and the problem
     */
    public static Tensor resolve(String nameOrFile) {
        Path p = Path.of(nameOrFile);
        if (Files.isRegularFile(p)) {
            return read(p);
        }
        if (Files.exists(p)) {
            throw new IllegalArgumentException(nameOrFile + ": kernel file is not a regular file");
        }
        try {
            return ClassicKernels.byName(nameOrFile);
        } catch (IllegalArgumentException e) {
            if (nameOrFile.contains("/") || nameOrFile.contains("\\") || nameOrFile.matches(".*\\.[A-Za-z][A-Za-z0-9]*")) {
                throw new IllegalArgumentException(nameOrFile + ": kernel file not found (and it is not a kernel name;"
                        + " see 'convnet4j kernels')", e);
            }
            // only an unknown name gets the hint; a known family with a bad argument (gaussian:abc) does not
            boolean unknown = e.getMessage() != null && e.getMessage().startsWith("unknown kernel");
            throw new IllegalArgumentException(e.getMessage() + (unknown ? "; or give a kernel file (see 'convnet4j"
                    + " kernels')" : ""), e);
        }
    }

    /** Parses kernel text; {@code sourceName} prefixes every error message. */
    public static Tensor parse(String text, String sourceName) {
        List<double[]> rows = new ArrayList<>();
        int firstRowLine = 0;
        String[] lines = text.split("\r\n|\n|\r", -1);
        for (int li = 0; li < lines.length; li++) {
            int lineNo = li + 1;
            String line = lines[li];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] tokens = line.split("[\\s,]+");
            if (tokens.length > MAX_SIZE) {
                throw new IllegalArgumentException(sourceName + ": line " + lineNo + ": " + tokens.length
                        + " values, more than the maximum kernel width " + MAX_SIZE);
            }
            if (rows.size() == MAX_SIZE) {
                throw new IllegalArgumentException(sourceName + ": line " + lineNo + ": more than " + MAX_SIZE
                        + " rows, the maximum kernel height");
            }
            double[] row = new double[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                String tok = tokens[i];
                double v;
                try {
                    v = Double.parseDouble(tok);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(sourceName + ": line " + lineNo + ": '" + tok
                            + "' is not a number (value " + (i + 1) + ")");
                }
                if (!Double.isFinite(v) || tok.matches(".*[a-zA-Z&&[^eE]].*")) {
                    // Java accepts "NaN", "Infinity" and suffixes like "1d"/"2f"; a kernel file should not.
                    throw new IllegalArgumentException(sourceName + ": line " + lineNo + ": '" + tok
                            + "' is not a finite decimal number (value " + (i + 1) + ")");
                }
                row[i] = v;
            }
            if (rows.isEmpty()) {
                firstRowLine = lineNo;
            } else if (row.length != rows.get(0).length) {
                throw new IllegalArgumentException(sourceName + ": line " + lineNo + ": row has " + row.length
                        + " values, but the first row (line " + firstRowLine + ") has " + rows.get(0).length
                        + "; every row of a kernel must have the same length");
            }
            rows.add(row);
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(sourceName + ": line " + lines.length
                    + ": end of file without any kernel row (the file is empty or only has comments/blank lines)");
        }
        return Tensor.fromRows(rows.toArray(new double[0][]));
    }
}
