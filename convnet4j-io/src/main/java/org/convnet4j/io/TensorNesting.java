package org.convnet4j.io;

import java.util.Arrays;

/**
 * The one rule for how a JSON tensor's {@code "data"} may be laid out, shared by the JSON tensor file reader
 * ({@code infer --input x.json}) and the server's v2 inference requests, so that both accept and refuse the same
 * nesting. A reader walks its data (whatever its JSON parser) and reports each {@link #open() [}, {@link #value()
 * value} and {@link #close() ]}; this keeps a few numbers per level, never the values. Then
 * {@link #check(long[], long)} compares what it saw with the shape. Accepted: data flat ({@code [1, 2, 3, 4, 5, 6]}), nested exactly as the shape
 * ({@code [[1, 2, 3], [4, 5, 6]]} for [2, 3]), or one bare number for a one-element tensor. Refused: any other
 * nesting ({@code [[1, 2], [3, 4], [5, 6]]} for [2, 3]), uneven or mixed arrays ({@code [[1, 2], [3]]},
 * {@code [1, [2]]}), a count other than the shape's, and nesting deeper than the limit (checked as the arrays open).
 * Problems are {@link IllegalArgumentException}s whose message the reader puts after the file or input it names.
 */
public final class TensorNesting {
    /** The deepest nesting any reader allows (and the largest rank of a JSON tensor's shape). */
    public static final int MAX_DEPTH = 32;

    private final int maxDepth;
    private final long[] open; // values or arrays so far in the open array of each level
    private final long[] lengths; // per level: the length of its arrays; -2 none seen yet, -1 uneven
    private final byte[] holds; // per level: 1 arrays, 2 values, 3 both
    private int depth;
    private int deepest; // the deepest array level (0: a bare value)
    private long count;

    /** A walk of one tensor's data that refuses arrays nested deeper than {@code maxDepth} (1..{@value #MAX_DEPTH}). */
    public TensorNesting(int maxDepth) {
        if (maxDepth < 1 || maxDepth > MAX_DEPTH) {
            throw new IllegalArgumentException("maxDepth " + maxDepth + " is not in 1.." + MAX_DEPTH);
        }
        this.maxDepth = maxDepth;
        open = new long[maxDepth + 1];
        lengths = new long[maxDepth + 1];
        holds = new byte[maxDepth + 1];
        Arrays.fill(lengths, -2);
    }

    /** An array opens ({@code [}). */
    public void open() {
        if (depth == maxDepth) {
            throw new IllegalArgumentException("data is nested more deeply than " + maxDepth + " arrays");
        }
        if (depth > 0) {
            open[depth]++;
            holds[depth] |= 1;
        }
        depth++;
        open[depth] = 0;
        deepest = Math.max(deepest, depth);
    }

    /** A value (a number or a boolean) in the open array, or the bare value when no array is open. */
    public void value() {
        if (depth > 0) {
            open[depth]++;
        }
        holds[depth] |= 2;
        count++;
    }

    /** The open array closes ({@code ]}). */
    public void close() {
        if (depth == 0) {
            throw new IllegalStateException("no array is open");
        }
        lengths[depth] = lengths[depth] == -2 || lengths[depth] == open[depth] ? open[depth] : -1;
        depth--;
    }

    /** The deepest nesting this walk allows. */
    public int maxDepth() {
        return maxDepth;
    }

    /** Arrays open now: 0 once the data's outermost array has closed. */
    public int depth() {
        return depth;
    }

    /** Values seen so far. */
    public long count() {
        return count;
    }

    /**
     * After the data: it holds exactly the shape's element count, and is flat, a bare value for one element, or nested
     * exactly as the shape. Throws an {@link IllegalArgumentException} saying what is wrong and how to write it; a shape
     * of more than {@code maxValues} elements (the reader's own cap, at least 1) is said to need "more than" that.
     */
    public void check(long[] shape, long maxValues) {
        if (depth != 0 || maxValues < 1 || maxValues == Long.MAX_VALUE) {
            throw new IllegalStateException(depth + " arrays are still open, or maxValues " + maxValues + " is wrong");
        }
        long elements = 1; // exact up to maxValues, then maxValues + 1 (unless some dimension is 0)
        boolean zero = false;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            zero |= d == 0;
            elements = d != 0 && elements > maxValues / d ? maxValues + 1 : Math.min(maxValues + 1, elements * d);
        }
        elements = zero ? 0 : elements;
        if (elements != count) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs "
                    + (elements > maxValues ? "more than " + maxValues : Long.toString(elements))
                    + " values, data has " + count + (deepest > 1 ? " (nested " + deepest + " deep)" : ""));
        }
        if (deepest <= 1) {
            return; // flat, or one bare value for a one-element tensor
        }
        boolean even = true;
        for (int level = 1; level <= deepest; level++) {
            even &= lengths[level] >= 0 && holds[level] != 3 && (level == deepest || holds[level] != 2);
        }
        if (!even) {
            throw new IllegalArgumentException("data's nested arrays are uneven; nest them as the shape "
                    + Arrays.toString(shape) + " or write data flat");
        }
        long[] nested = Arrays.copyOfRange(lengths, 1, deepest + 1);
        if (!Arrays.equals(nested, shape)) {
            throw new IllegalArgumentException("data is nested as " + Arrays.toString(nested) + ", the shape is "
                    + Arrays.toString(shape) + "; nest it as the shape or write it flat");
        }
    }
}
