package org.convnet4j.io.torch;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.convnet4j.checkpoint.FileFormatException;

/**
 * A restricted unpickler: it understands the pickle opcodes (protocols 2 to 5) that {@code torch.save} writes for a
 * state dict and builds plain Java values, never calling anything a file names. This is what
 * {@code torch.load(weights_only=True)} does in Python: the only globals allowed are the handful a state dict
 * needs ({@code collections.OrderedDict}, the tensor and parameter rebuild functions, the storage types), and
 * they are interpreted here, not executed. Any other global ({@code os.system}, {@code builtins.eval}, ...) and
 * the opcodes that instantiate arbitrary classes (INST, OBJ, NEWOBJ, NEWOBJ_EX, extension registry codes) are
 * refused with an error naming them, before anything is done with the value.
 *
 * <p>Values: None is {@link #NONE}, ints are {@link Long} (or {@link BigInteger} beyond 64 bits), floats
 * {@link Double}, strings {@link String}, bytes {@code byte[]}, tuples {@link Tuple}, lists {@link ArrayList},
 * dicts and OrderedDicts {@link LinkedHashMap}, a persistent id whatever {@code persistentLoad} returns, a rebuilt
 * tensor {@link TensorRef}. The caller's data bounds everything: each opcode reads at least one byte.
 */
final class Pickle {
    /** Python's None. */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** A Python tuple. */
    record Tuple(List<Object> items) {
        Object get(int i) {
            return items.get(i);
        }

        int size() {
            return items.size();
        }
    }

    /** An allowed global, resolved to what it means here. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A tensor view of a storage, as {@code torch._utils._rebuild_tensor_v2} describes it. */
    record TensorRef(Object storage, long offset, long[] size, long[] stride) {
        long numel() {
            long n = 1;
            for (long s : size) {
                n = Math.multiplyExact(n, s);
            }
            return n;
        }
    }

    /** The storage types a state dict may name, with their element type. */
    static final Map<String, org.convnet4j.checkpoint.DType> STORAGES = Map.ofEntries(
            Map.entry("FloatStorage", org.convnet4j.checkpoint.DType.F32),
            Map.entry("HalfStorage", org.convnet4j.checkpoint.DType.F16),
            Map.entry("BFloat16Storage", org.convnet4j.checkpoint.DType.BF16),
            Map.entry("DoubleStorage", org.convnet4j.checkpoint.DType.F64),
            Map.entry("LongStorage", org.convnet4j.checkpoint.DType.I64),
            Map.entry("IntStorage", org.convnet4j.checkpoint.DType.I32),
            Map.entry("ShortStorage", org.convnet4j.checkpoint.DType.I16),
            Map.entry("CharStorage", org.convnet4j.checkpoint.DType.I8),
            Map.entry("ByteStorage", org.convnet4j.checkpoint.DType.U8),
            Map.entry("BoolStorage", org.convnet4j.checkpoint.DType.BOOL));

    private static final Set<String> CALLABLES = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state");
    private static final Object MARK = new Object();

    private final String source;
    private final ByteBuffer in;
    private final Function<Object, Object> persistentLoad;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private Pickle(String source, ByteBuffer in, Function<Object, Object> persistentLoad) {
        this.source = source;
        this.in = in.order(ByteOrder.LITTLE_ENDIAN);
        this.persistentLoad = persistentLoad;
    }

    /**
     * Reads one pickle from {@code in} (its position moves past the STOP opcode). {@code persistentLoad} turns a
     * persistent id (BINPERSID) into a value, e.g. a storage reference; it may throw {@link IllegalArgumentException}
     * with a message for the user.
     */
    static Object load(String source, ByteBuffer in, Function<Object, Object> persistentLoad) throws FileFormatException {
        Pickle p = new Pickle(source, in, persistentLoad);
        try {
            return p.run();
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new FileFormatException(source + ": the pickle ends early or refers to data it does not have");
        } catch (IllegalArgumentException | ArithmeticException | ClassCastException e) {
            throw new FileFormatException(source + ": " + e.getMessage(), e);
        }
    }

    private Object run() throws FileFormatException {
        while (true) {
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = in.get() & 0xff;
                    if (v > 5) {
                        throw bad("pickle protocol " + v + " is newer than 5");
                    }
                }
                case 0x95 -> in.getLong(); // FRAME: a length hint only
                case '.' -> { // STOP
                    return pop();
                }
                case '(' -> { // MARK
                    stack.add(MARK);
                }
                case 'N' -> stack.add(NONE);
                case 0x88 -> stack.add(Boolean.TRUE);
                case 0x89 -> stack.add(Boolean.FALSE);
                case 'J' -> stack.add((long) in.getInt());
                case 'K' -> stack.add((long) (in.get() & 0xff));
                case 'M' -> stack.add((long) (in.getShort() & 0xffff));
                case 0x8a -> stack.add(longN(in.get() & 0xff)); // LONG1
                case 0x8b -> stack.add(longN(length(in.getInt()))); // LONG4
                case 'G' -> stack.add(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // BINFLOAT, big-endian
                case 'I' -> stack.add(textInt(line())); // INT (protocol 0), e.g. "I01\n" for True
                case 'L' -> stack.add(new BigInteger(stripL(line()))); // LONG (protocol 0)
                case 'X' -> stack.add(utf8(length(in.getInt())));
                case 0x8c -> stack.add(utf8(in.get() & 0xff)); // SHORT_BINUNICODE
                case 0x8d -> stack.add(utf8(length(in.getLong()))); // BINUNICODE8
                case 'T' -> stack.add(latin1(length(in.getInt()))); // BINSTRING
                case 'U' -> stack.add(latin1(in.get() & 0xff)); // SHORT_BINSTRING
                case 'B' -> stack.add(bytes(length(in.getInt())));
                case 'C' -> stack.add(bytes(in.get() & 0xff));
                case 0x8e -> stack.add(bytes(length(in.getLong()))); // BINBYTES8
                case ')' -> stack.add(new Tuple(List.of()));
                case 't' -> stack.add(new Tuple(popMark()));
                case 0x85 -> stack.add(new Tuple(List.of(pop())));
                case 0x86 -> {
                    Object b = pop();
                    stack.add(new Tuple(List.of(pop(), b)));
                }
                case 0x87 -> {
                    Object c = pop();
                    Object b = pop();
                    stack.add(new Tuple(List.of(pop(), b, c)));
                }
                case ']' -> stack.add(new ArrayList<>());
                case 'l' -> stack.add(new ArrayList<>(popMark()));
                case '}' -> stack.add(new LinkedHashMap<>());
                case 'd' -> {
                    List<Object> items = popMark();
                    stack.add(setItems(new LinkedHashMap<>(), items));
                }
                case 'a' -> {
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    dict(peek()).put(key(k), v);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    setItems(dict(peek()), items);
                }
                case 'q' -> memo.put((long) (in.get() & 0xff), peek()); // BINPUT
                case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'p' -> memo.put(textInt(line()), peek()); // PUT
                case 'h' -> stack.add(memo((long) (in.get() & 0xff)));
                case 'j' -> stack.add(memo(in.getInt() & 0xffffffffL));
                case 'g' -> stack.add(memo(textInt(line())));
                case '0' -> pop(); // POP
                case '2' -> stack.add(peek()); // DUP
                case '1' -> popMark(); // POP_MARK
                case 'c' -> stack.add(global(line(), line()));
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw bad("STACK_GLOBAL needs two strings");
                    }
                    stack.add(global(m, n));
                }
                case 'Q' -> stack.add(persistentLoad.apply(pop())); // BINPERSID
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object f = pop();
                    stack.add(reduce(f, args));
                }
                case 'b' -> { // BUILD
                    Object state = pop();
                    Object target = peek();
                    if (!(target instanceof LinkedHashMap<?, ?>) && !(target instanceof TensorRef)) {
                        throw refused("BUILD (setting the state of a " + describe(target) + ")");
                    }
                    // an OrderedDict's state is its _metadata (module versions), a parameter's its attributes:
                    // neither matters for the weights
                }
                case 'i' -> throw refused("INST " + line() + "." + line());
                case 'o' -> throw refused("OBJ (instantiating a class)");
                case 0x81 -> throw refused("NEWOBJ on " + describe(stack.size() < 2 ? NONE : stack.get(stack.size() - 2)));
                case 0x92 -> throw refused("NEWOBJ_EX");
                case 0x82, 0x83, 0x84 -> throw refused("EXT (the extension registry)");
                case 'P' -> throw refused("PERSID (text persistent ids)");
                default -> throw bad(String.format("unknown or unsupported pickle opcode 0x%02x at byte %d", op,
                        in.position() - 1));
            }
        }
    }

    private Object global(String module, String name) throws FileFormatException {
        String q = module + "." + name;
        if (CALLABLES.contains(q) || (module.equals("torch") && STORAGES.containsKey(name))) {
            return new Global(module, name);
        }
        throw new FileFormatException(source + ": refused: the pickle names the global '" + q + "', which a state dict"
                + " never needs (convnet4j reads only tensors, OrderedDicts and plain values, as"
                + " torch.load(weights_only=True) does; it never runs code from a file)");
    }

    private Object reduce(Object f, Object args) throws FileFormatException {
        if (!(f instanceof Global g)) {
            throw refused("REDUCE on " + describe(f));
        }
        if (!(args instanceof Tuple t)) {
            throw bad("REDUCE arguments are not a tuple");
        }
        switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                if (t.size() != 0) {
                    throw bad("OrderedDict with constructor arguments");
                }
                return new LinkedHashMap<>();
            }
            case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2" -> {
                if (t.size() < 4) {
                    throw bad(g.name() + " with " + t.size() + " arguments");
                }
                return new TensorRef(t.get(0), asLong(t.get(1)), longs(t.get(2)), longs(t.get(3)));
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (t.size() < 1 || !(t.get(0) instanceof TensorRef tensor)) {
                    throw bad(g.name() + " without a tensor");
                }
                return tensor;
            }
            default -> throw refused("REDUCE calling " + g.qualified());
        }
    }

    private static Map<Object, Object> setItems(Map<Object, Object> d, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw new IllegalArgumentException("SETITEMS with an odd number of items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            d.put(key(items.get(i)), items.get(i + 1));
        }
        return d;
    }

    private static Object key(Object k) {
        // plain scalars only: a state dict's keys are strings, and a (deeply nested) tuple key would have to be
        // hashed recursively
        if (k instanceof String || k instanceof Long || k instanceof Boolean || k == NONE || k instanceof Double) {
            return k;
        }
        throw new IllegalArgumentException("a dict key of type " + describe(k));
    }

    private Object memo(long i) throws FileFormatException {
        Object v = memo.get(i);
        if (v == null) {
            throw bad("memo entry " + i + " is read before it is written");
        }
        return v;
    }

    private Object pop() throws FileFormatException {
        if (stack.isEmpty()) {
            throw bad("the pickle pops an empty stack");
        }
        Object v = stack.remove(stack.size() - 1);
        if (v == MARK) {
            throw bad("a MARK is used as a value");
        }
        return v;
    }

    private Object peek() throws FileFormatException {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw bad("the pickle reads an empty stack");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws FileFormatException {
        int i = stack.lastIndexOf(MARK);
        if (i < 0) {
            throw bad("no MARK on the stack");
        }
        List<Object> items = new ArrayList<>(stack.subList(i + 1, stack.size()));
        stack.subList(i, stack.size()).clear();
        return items;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws FileFormatException {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw refused("APPEND to a " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) throws FileFormatException {
        if (o instanceof LinkedHashMap<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw refused("SETITEM on a " + describe(o));
    }

    private int length(long n) throws FileFormatException {
        if (n < 0 || n > in.remaining()) {
            throw bad("a length of " + n + " bytes runs past the end of the pickle");
        }
        return (int) n;
    }

    private byte[] bytes(int n) throws FileFormatException {
        byte[] b = new byte[length(n)];
        in.get(b);
        return b;
    }

    private String utf8(int n) throws FileFormatException {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private String latin1(int n) throws FileFormatException {
        return new String(bytes(n), StandardCharsets.ISO_8859_1);
    }

    private Object longN(int n) throws FileFormatException {
        byte[] le = bytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String line() throws FileFormatException {
        int start = in.position();
        int limit = Math.min(in.limit(), start + 4096);
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                byte[] b = new byte[i - start];
                in.get(b);
                in.get();
                return new String(b, StandardCharsets.UTF_8);
            }
        }
        throw bad("a text opcode's line has no end");
    }

    private static long textInt(String s) {
        String t = s.trim();
        if (t.equals("01")) {
            return 1;
        }
        if (t.equals("00")) {
            return 0;
        }
        return Long.parseLong(t);
    }

    private static String stripL(String s) {
        return s.endsWith("L") ? s.substring(0, s.length() - 1) : s;
    }

    static long asLong(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        throw new IllegalArgumentException("expected an integer, found " + describe(o));
    }

    static long[] longs(Object o) {
        if (!(o instanceof Tuple t)) {
            throw new IllegalArgumentException("expected a tuple of integers, found " + describe(o));
        }
        long[] v = new long[t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = asLong(t.get(i));
        }
        return v;
    }

    static String describe(Object o) {
        if (o == null || o == NONE) {
            return "None";
        }
        if (o instanceof Global g) {
            return "global " + g.qualified();
        }
        if (o == MARK) {
            return "class on the stack";
        }
        return o.getClass().getSimpleName();
    }

    private FileFormatException refused(String what) {
        return new FileFormatException(source + ": refused: the pickle uses " + what + ", which a state dict never"
                + " needs (convnet4j reads only tensors, OrderedDicts and plain values, as torch.load(weights_only=True)"
                + " does; it never runs code from a file)");
    }

    private FileFormatException bad(String what) {
        return new FileFormatException(source + ": damaged pickle: " + what);
    }
}
