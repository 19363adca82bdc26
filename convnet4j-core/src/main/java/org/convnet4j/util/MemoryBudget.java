package org.convnet4j.util;

import java.io.IOException;

/**
 * How much memory one untrusted input may ask for. Every reader computes what a file asks for (a model's
 * parameters from declared shapes, external data, decoded picture bytes, dataset bytes) with overflow-safe
 * arithmetic and calls {@link #require} before allocating, so a 200-byte file that declares a 3 GB tensor is
 * refused in milliseconds with a message, instead of dying of OutOfMemoryError after half a minute.
 *
 * <p>Two limits. The <b>memory limit</b> ({@link #limitBytes}) is what one input may use at all: half the JVM's
 * maximum heap, or less when the heap already holds more: what the heap can still take after the data it keeps
 * (every pool but the young generation's eden), minus a reserve of a quarter of the heap for the work done with the
 * input; never below a sixteenth of the heap. The system property {@value #PROPERTY} (bytes, k/m/g suffix, e.g.
 * {@code -Dconvnet4j.maxInputBytes=6g}) replaces it; raising {@code -Xmx} raises it too.
 *
 * <p>The <b>per-file cap</b> ({@link #fileCapBytes}) bounds what a file may ask for beyond what it stores: a
 * model built from a file, the content of a compressed stream, may need at most {@value #STORED_FACTOR} times the
 * file's bytes plus an allowance, 64 MB unless {@value #UNSTORED_PROPERTY} says otherwise. A file that stores its
 * weights never needs more (a model's build charges each parameter's value, 4 bytes, stored as 1 to 4; the gradient and
 * the optimiser's state are charged when training starts, {@link #requireTraining}); a file of a few KB that
 * declares a ResNet-50 without its weights is refused before the model is built, whatever the heap. The command line's
 * {@code --max-model-memory SIZE} sets both properties.
 */
public final class MemoryBudget {
    public static final String PROPERTY = "convnet4j.maxInputBytes";
    /** What a file may ask for beyond {@value #STORED_FACTOR} times its size (bytes, k/m/g suffix; default 64 MB). */
    public static final String UNSTORED_PROPERTY = "convnet4j.maxUnstoredBytes";
    /** A file may ask for this many times the bytes it stores (plus {@link #UNSTORED_PROPERTY}'s allowance). */
    public static final int STORED_FACTOR = 16;
    static final long DEFAULT_UNSTORED = 64L << 20;

    private MemoryBudget() {
    }

    /**
     * The current limit in bytes (read on every call, so tests and the CLI can change the property, and the default
     * follows the heap's use): {@value #PROPERTY} if set, else min(heap / 2, heap - kept - heap / 4), at least
     * heap / 16, where kept is the heap in use outside the young generation's eden.
     */
    public static long limitBytes() {
        String text = System.getProperty(PROPERTY);
        if (text != null && !text.isBlank()) {
            return parseBytes(text.trim(), PROPERTY);
        }
        long max = Runtime.getRuntime().maxMemory();
        if (max == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return defaultLimit(max, keptHeapBytes());
    }

    private static long defaultLimit(long max, long kept) {
        long free = max - kept - max / 4;
        return Math.max(Math.min(max / 2, free), max / 16);
    }

    /**
     * The limit for {@code bytes} more, {@code own} of them already allocated by the model being built (they are in
     * the heap's kept share and must not be counted twice): when the default limit would refuse, garbage left by
     * earlier work (old-generation objects nobody holds until the next full collection) is collected once and the
     * limit recomputed, as the JDK does before refusing a direct buffer. A limit set by the property is final.
     */
    private static long limitFor(long bytes, long own) {
        long limit = limitBytes();
        String text = System.getProperty(PROPERTY);
        long max = Runtime.getRuntime().maxMemory();
        boolean byDefault = (text == null || text.isBlank()) && max != Long.MAX_VALUE;
        if (byDefault && (bytes < 0 || bytes > limit || own > 0)) {
            if (bytes < 0 || bytes > limit) {
                System.gc();
            }
            limit = defaultLimit(max, Math.max(0, keptHeapBytes() - own));
        }
        return limit;
    }

    /** Heap in use outside eden (old generation, survivors, or the whole heap of a collector without generations). */
    static long keptHeapBytes() {
        long kept = 0;
        for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.isValid()
                    && !pool.getName().contains("Eden")) {
                java.lang.management.MemoryUsage u = pool.getUsage();
                kept += u == null ? 0 : Math.max(0, u.getUsed());
            }
        }
        return kept;
    }

    /**
     * The per-file cap: what a file of {@code storedBytes} (with its external data) may ask for:
     * {@value #STORED_FACTOR} x storedBytes + the allowance of {@value #UNSTORED_PROPERTY} (64 MB by default), and
     * never more than {@link #limitBytes}.
     */
    public static long fileCapBytes(long storedBytes) {
        return Math.min(storedCapBytes(storedBytes), limitBytes());
    }

    /** The per-file cap without the memory limit (Long.MAX_VALUE when it overflows). */
    private static long storedCapBytes(long storedBytes) {
        long cap = add(bytesOf(STORED_FACTOR, Math.max(0, storedBytes)), allowanceBytes());
        return cap < 0 ? Long.MAX_VALUE : cap;
    }

    /**
     * Like {@link #require}, for what a file of {@code storedBytes} declares beyond the bytes it holds (a model its
     * shapes describe, a compressed stream's content): refused above {@link #fileCapBytes}, naming both limits.
     */
    public static void requireStored(String what, long bytes, long storedBytes) throws TooLargeException {
        require(what, bytes);
        long cap = fileCapBytes(storedBytes);
        if (bytes > cap) {
            throw new TooLargeException(what + " needs " + human(bytes) + ", more than the " + human(storedBytes)
                    + " it stores allow (" + human(cap) + ": " + fileCapText() + ")");
        }
    }

    /** What any file may ask for beyond {@value #STORED_FACTOR} times its size: {@value #UNSTORED_PROPERTY}, 64 MB. */
    public static long allowanceBytes() {
        String text = System.getProperty(UNSTORED_PROPERTY);
        return text != null && !text.isBlank() ? parseBytes(text.trim(), UNSTORED_PROPERTY) : DEFAULT_UNSTORED;
    }

    /** How the per-file cap is made and raised, for messages. */
    static String fileCapText() {
        return "a file may ask for " + STORED_FACTOR + " times what it stores + " + human(allowanceBytes()) + "; if the file is genuine, raise it"
                + " with --max-model-memory SIZE or -D" + UNSTORED_PROPERTY + "=BYTES";
    }

    /**
     * Throws {@link TooLargeException} when {@code bytes} is above the limit; {@code what} names the file and the
     * thing ("model.c4j: tensor conv1.weight [6400, 3, 7, 7]").
     */
    public static void require(String what, long bytes) throws TooLargeException {
        require(what, bytes, 0);
    }

    /**
     * Like {@link #require}, for an input read piece by piece: {@code bytes} is what it asks for so far, of which
     * {@code heldBytes} are already allocated (the tensors a reader decoded before this one). Those are in the heap's
     * kept share, from which the default limit is computed, so they are counted once: a reader that charged them in
     * {@code bytes} and again as kept heap refused a 0.53 GB model below a 2.1 GB heap although reading it needs 1.1 GB.
     */
    public static void require(String what, long bytes, long heldBytes) throws TooLargeException {
        long limit = limitFor(bytes, Math.max(0, heldBytes));
        if (bytes < 0 || bytes > limit) {
            throw new TooLargeException(what + " needs " + (bytes < 0 ? "more than 8 EB" : human(bytes))
                    + ", above the limit of " + human(limit) + " for one input; if the file is genuine, give Java more"
                    + " memory (CONVNET4J_JAVA_OPTS=-Xmx8g) or raise the limit with --max-model-memory SIZE (-D"
                    + PROPERTY + "=BYTES)");
        }
    }

    /**
     * Like {@link #require}, for a size chosen in settings or on the command line (a batch, an input shape, a
     * queue): throws {@link SettingTooLargeException} (an IllegalArgumentException: a bad option, exit 2 in the CLI)
     * starting with {@code setting}, e.g.
     * {@code "batch 1000000: a training step of lenet5 needs at least 9.1 GB, above the limit ..."}.
     */
    public static void requireSetting(String setting, String what, long bytes) {
        long limit = limitFor(bytes, 0);
        if (bytes < 0 || bytes > limit) {
            throw new SettingTooLargeException(setting, setting + ": " + what + " needs at least "
                    + (bytes < 0 ? "more than 8 EB" : human(bytes)) + ", above the limit of " + human(limit)
                    + " (at most half the Java heap unless -D" + PROPERTY + " or --max-model-memory says otherwise); use a"
                    + " smaller value, or give Java more memory (CONVNET4J_JAVA_OPTS=-Xmx8g) or raise --max-model-memory"
                    + " SIZE (-D" + PROPERTY + "=BYTES)");
        }
    }

    /** The running total of the model being built on this thread: bytes charged, and what it is built from. */
    private static final class BuildState {
        long bytes;
        final String source;
        /** Bytes of the file the model is built from (-1: not from a file, no per-file cap). */
        final long storedBytes;
        ModelTooLargeException refusal;

        BuildState(String source, long storedBytes) {
            this.source = source;
            this.storedBytes = storedBytes;
        }
    }

    private static final ThreadLocal<BuildState> BUILD_TOTAL = new ThreadLocal<>();

    /**
     * Starts a running total of the parameters of one model being built on this thread (an importer opens it around
     * building a model from a file): from then until {@link ModelBuild#close}, every parameter created is added by
     * {@link #chargeParameter} and refused once all of them together are above the limit, before its memory is
     * allocated. Without it only each parameter alone is checked, and many parameters that each fit could together
     * exhaust the heap (issue 15: a GroupNormalization over a 2^20-wide declared input). A build started inside another
     * one joins it. The refusal's message does not name the file: the caller adds it (see
     * {@link #startModelBuild(String)}).
     */
    public static ModelBuild startModelBuild() {
        return startModelBuild(null);
    }

    /**
     * As {@link #startModelBuild()}, for a model built from {@code source} (a file name, "zoo model 'vgg16'"): a
     * refusal's message starts with {@code source + ": "}. A build started inside another one joins it and keeps the
     * outer one's source (the file a zoo model is built for, not the zoo name).
     */
    public static ModelBuild startModelBuild(String source) {
        return startModelBuild(source, -1);
    }

    /**
     * As {@link #startModelBuild(String)}, for a model built from a file of {@code storedBytes} (with its external
     * data): all its parameters together are also kept within the per-file cap ({@link #fileCapBytes}), so a file of a
     * few KB whose shapes describe a large model without storing its weights is refused after at most the cap was
     * allocated, whatever the heap. A negative {@code storedBytes} means no per-file cap.
     */
    public static ModelBuild startModelBuild(String source, long storedBytes) {
        BuildState outer = BUILD_TOTAL.get();
        if (outer != null) {
            return new ModelBuild(outer, false);
        }
        BUILD_TOTAL.set(new BuildState(source, storedBytes));
        return new ModelBuild(null, true);
    }

    /**
     * A running total of its own, for a model built while another one is being counted that does not add to it: a
     * trial build that is thrown away (the zoo's search for the smallest input that works), or a rebuild that
     * replaces the model already counted. Closing it restores the outer total unchanged.
     */
    public static ModelBuild startSeparateModelBuild(String source) {
        BuildState outer = BUILD_TOTAL.get();
        BUILD_TOTAL.set(new BuildState(source != null ? source : outer != null ? outer.source : null,
                outer != null ? outer.storedBytes : -1));
        return new ModelBuild(outer, true);
    }

    /**
     * Throws {@link ModelTooLargeException} when one parameter {@code what} alone needs more than the limit
     * ({@code bytes} of values); its message starts with the source of the model being built, if one is counted.
     */
    public static void requireParameter(String what, long bytes) {
        BuildState building = BUILD_TOTAL.get();
        long limit = limitFor(bytes, building == null ? 0 : building.bytes);
        if (bytes < 0 || bytes > limit) {
            BuildState total = BUILD_TOTAL.get();
            ModelTooLargeException e = new ModelTooLargeException(total == null ? null : total.source,
                    what + " needs " + (bytes < 0 ? "more than 8 EB" : human(bytes))
                    + ", above the limit of " + human(limit) + " (a smaller input shape, more Java memory, or"
                    + " --max-model-memory SIZE)");
            if (total != null) {
                total.refusal = e;
            }
            throw e;
        }
    }

    /**
     * Adds {@code bytes} (what creating parameter {@code what} allocates: value, and gradient if learned) to the running
     * total of the model being built, if one was started; throws {@link ModelTooLargeException} (an
     * IllegalArgumentException: a bad input, exit 2 in the CLI) and adds nothing when the total would be above the
     * limit.
     */
    public static void chargeParameter(String what, long bytes) {
        BuildState total = BUILD_TOTAL.get();
        if (total == null) {
            return;
        }
        long sum = add(total.bytes, bytes);
        long limit = limitBytes();
        if (sum < 0 || sum > limit) {
            // The model's own parameters charged so far are in the heap too: count them once.
            limit = limitFor(sum, total.bytes);
        }
        if (sum < 0 || sum > limit) {
            total.refusal = new ModelTooLargeException(total.source, what
                    + " needs " + (bytes < 0 ? "more than 8 EB" : human(bytes)) + "; with the model's parameters before"
                    + " it (" + human(total.bytes) + ") that is above the limit of " + human(limit) + " for one model (a"
                    + " smaller input shape, more Java memory, or --max-model-memory SIZE)");
            throw total.refusal;
        }
        // The memory limit was checked above (counting the model's own parameters once); here only the file's cap.
        if (total.storedBytes >= 0 && sum > storedCapBytes(total.storedBytes)) {
            total.refusal = new ModelTooLargeException(total.source, what
                    + " needs " + human(bytes) + "; with the model's parameters before it (" + human(total.bytes)
                    + ") that is more than the " + human(total.storedBytes) + " of weights it stores allow ("
                    + human(storedCapBytes(total.storedBytes)) + ": " + fileCapText() + ")");
            throw total.refusal;
        }
        total.bytes = sum;
    }

    /**
     * Refuses, when training starts, the memory training adds to a model whose values are already built: a model's
     * build charges its values only ({@link #chargeParameter}), so an inference-only use is not refused for gradients
     * it never allocates; training adds a gradient per learnable value and the optimiser's state. {@code heldBytes}
     * (the model's values, in the heap already) and {@code moreBytes} (what training will allocate) together are held
     * to the limit of one model (the same as a build's, the values counted once); above it a
     * {@link ModelTooLargeException} whose message starts with {@code what} ("training a model of 132,863,336
     * parameters") and names the Java heap, before anything is allocated.
     */
    public static void requireTraining(String what, long heldBytes, long moreBytes) {
        long total = add(heldBytes, moreBytes);
        long limit = limitFor(total, Math.max(0, heldBytes));
        if (total < 0 || total > limit) {
            long max = Runtime.getRuntime().maxMemory();
            throw new ModelTooLargeException(null, what + " needs " + (moreBytes < 0 ? "more than 8 EB" : human(moreBytes))
                    + " more for gradients and the optimiser's state; with the model's " + human(heldBytes) + " of"
                    + " values that is above the limit of " + human(limit) + " for one model (Java heap "
                    + human(max) + "); give Java more memory (CONVNET4J_JAVA_OPTS=-Xmx8g), freeze more layers, or raise"
                    + " the limit with --max-model-memory SIZE (-D" + PROPERTY + "=BYTES)");
        }
    }

    /** The running total of {@link #startModelBuild}; closing the outermost one ends it. */
    public static final class ModelBuild implements AutoCloseable {
        private final BuildState restore;
        private final boolean owner;

        private ModelBuild(BuildState restore, boolean owner) {
            this.restore = restore;
            this.owner = owner;
        }

        /** Bytes charged so far to the model being built on this thread (0 when none is). */
        public static long chargedBytes() {
            BuildState total = BUILD_TOTAL.get();
            return total == null ? 0 : total.bytes;
        }

        /**
         * The refusal ({@link ModelTooLargeException}) thrown inside the build on this thread, if any, else {@code e}:
         * the layers that wrap a build failure in their own message ("cannot add Dense ...: ...") would otherwise bury
         * the one line that says what was too large, and where the source's name comes first.
         */
        public RuntimeException refusalOr(RuntimeException e) {
            BuildState total = BUILD_TOTAL.get();
            return total != null && total.refusal != null ? total.refusal : e;
        }

        @Override
        public void close() {
            if (!owner) {
                return;
            }
            if (restore == null) {
                BUILD_TOTAL.remove();
            } else {
                BUILD_TOTAL.set(restore);
            }
        }
    }

    /**
     * The parameters of a model being built ({@link #startModelBuild}) together ask for more memory than the
     * limit allows: a bad (or too big) input, exit 2 in the CLI. Not an input that is too small for an architecture,
     * which is why it has a type of its own.
     */
    public static final class ModelTooLargeException extends IllegalArgumentException {
        private final String source;
        private final String detail;

        public ModelTooLargeException(String message) {
            this(null, message);
        }

        /** {@code source} (a file, a model; may be null) first, then {@code detail}. */
        public ModelTooLargeException(String source, String detail) {
            super(source == null ? detail : source + ": " + detail);
            this.source = source;
            this.detail = detail;
        }

        /**
         * The same refusal with the layer it happened in named ({@code "layer 'dense1'"}), after the source; it becomes
         * the build's refusal ({@link ModelBuild#refusalOr}). Models call it as the refusal passes a layer they add,
         * so nested layers read outer to inner.
         */
        /**
         * Runs {@code build} (a block of a model, built before it is added to its parent) and names a refusal inside it
         * {@code where}: the parent does not see the refusal pass (the block is built first), so a model builder that
         * nests blocks names them itself, outer to inner ("block 'layer3.1'", then the block's own "graph node 'conv2'").
         */
        public static <T> T naming(String where, java.util.function.Supplier<T> build) {
            try {
                return build.get();
            } catch (ModelTooLargeException e) {
                throw e.in(where);
            }
        }

        public ModelTooLargeException in(String where) {
            ModelTooLargeException e = new ModelTooLargeException(source, where + ": " + detail);
            BuildState total = BUILD_TOTAL.get();
            if (total != null) {
                total.refusal = e;
            }
            return e;
        }
    }

    /** The product of {@code dims} times {@code bytesPerElement}; -1 (never a valid size) on overflow or a negative dim. */
    public static long bytesOf(long bytesPerElement, long... dims) {
        long n = bytesPerElement;
        for (long d : dims) {
            if (d < 0) {
                return -1;
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return n;
    }

    /** {@code a + b}, saturating at -1 (never valid) on overflow or when either is already -1. */
    public static long add(long a, long b) {
        if (a < 0 || b < 0) {
            return -1;
        }
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    static long parseBytes(String text) {
        return parseBytes(text, PROPERTY);
    }

    /**
     * Both limits ({@link #PROPERTY} and {@link #UNSTORED_PROPERTY}) set to {@code size} (a {@link #parseSize} text)
     * until {@link Limit#close()} puts the previous values back: what {@code --max-model-memory} does for one
     * command. The properties are the JVM's, so the override is process-wide while it lasts. A null size changes
     * nothing.
     *
     * @throws IllegalArgumentException a malformed size, naming {@code option}; nothing is changed then
     */
    public static Limit limit(String size, String option) {
        return new Limit(size, option);
    }

    /** A raised (or lowered) memory limit; {@link #close()} restores the previous one. */
    public static final class Limit implements AutoCloseable {
        private final String size;
        private final String previous;
        private final String previousUnstored;

        private Limit(String size, String option) {
            if (size != null) {
                parseSize(size, option);
            }
            this.size = size;
            this.previous = System.getProperty(PROPERTY);
            this.previousUnstored = System.getProperty(UNSTORED_PROPERTY);
            if (size != null) {
                System.setProperty(PROPERTY, size);
                System.setProperty(UNSTORED_PROPERTY, size);
            }
        }

        @Override
        public void close() {
            if (size != null) {
                restore(PROPERTY, previous);
                restore(UNSTORED_PROPERTY, previousUnstored);
            }
        }

        private static void restore(String property, String value) {
            if (value == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, value);
            }
        }
    }

    /**
     * A size in bytes with an optional k/m/g/t suffix ("6g"), as the properties take it; an
     * IllegalArgumentException naming {@code option} otherwise.
     */
    public static long parseSize(String text, String option) {
        try {
            return parseBytes(text.trim(), PROPERTY);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException(option + " " + text + ": not a positive size in bytes (e.g. 2000000000"
                    + " or 6g)");
        }
    }

    static long parseBytes(String text, String property) {
        String t = text.toLowerCase(java.util.Locale.ROOT);
        long mult = 1;
        char last = t.charAt(t.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g' || last == 't') {
            mult = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : last == 'g' ? 1L << 30 : 1L << 40;
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t.trim());
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("-D" + property + "=" + text + " is not a positive size in bytes"
                    + " (e.g. 2000000000 or 2g)");
        }
    }

    /** 3.1 GB, 256 MB, 12 KB, 100 bytes. */
    public static String human(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "unlimited";
        }
        if (bytes < 1000) {
            return bytes + " bytes";
        }
        String[] units = {"KB", "MB", "GB", "TB", "PB", "EB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(java.util.Locale.ROOT, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }

    /**
     * A setting (a batch, a queue, an input shape) asks for more memory than {@link MemoryBudget} allows; the message
     * starts with {@link #setting()} as the library names it ("batch 64"), which a command line may map to its option.
     */
    public static final class SettingTooLargeException extends IllegalArgumentException {
        private final String setting;

        public SettingTooLargeException(String setting, String message) {
            super(message);
            this.setting = setting;
        }

        /** The setting and its value as the message starts, e.g. "batch 64" or "--queue 100". */
        public String setting() {
            return setting;
        }
    }

    /** An input asks for more memory than {@link MemoryBudget} allows: a bad (or too big) file, exit 2 in the CLI. */
    public static final class TooLargeException extends IOException {
        public TooLargeException(String message) {
            super(message);
        }
    }
}
