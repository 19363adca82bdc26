package org.convnet4j.serve;

import java.nio.charset.StandardCharsets;

/**
 * A strict JSON reader working straight on the request's bytes (RFC 8259: no comments, no single quotes, no
 * trailing commas, no leading zeros, no NaN): the inference body's thousands of numbers go into floats without a
 * token object, a {@code String} or a {@code char} decoding step per number, which is where a general JSON
 * library spends its time on a 1.5 MB ResNet request. Numbers with at most 15 significant digits and a decimal
 * exponent within ±22 (every float printed by Java's or NumPy's shortest float formatting) are converted exactly
 * as {@link Double#parseDouble} would (both operands are exact doubles, so one correctly rounded multiplication
 * or division gives the correctly rounded result); longer ones go through {@link Double#parseDouble}. Any syntax
 * error is an {@link ApiException} 400 "the body is not valid JSON: ... at byte N".
 */
final class JsonBytes {
    /** Gson's default nesting limit: deeper documents are refused instead of recursing without bound. */
    static final int MAX_DEPTH = 255;
    private static final double[] POW10 = new double[23];

    static {
        double p = 1;
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = p;
            p *= 10;
        }
    }

    private final byte[] b;
    private final int end;
    private int pos;

    /** Reads {@code bytes[0, length)}. */
    JsonBytes(byte[] bytes, int length) {
        this.b = bytes;
        this.end = length;
    }

    int position() {
        return pos;
    }

    /**
     * At the start: skips a UTF-8 byte-order mark (EF BB BF). RFC 8259 lets a parser ignore one; the JSON tensor file
     * reader (Gson) ignores it too, so a body saved by an editor that writes one is read as a file would be.
     */
    void skipByteOrderMark() {
        if (pos == 0 && end >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF) {
            pos = 3;
        }
    }

    /** The next byte that is not whitespace (not consumed), or -1 at the end. */
    int peek() {
        while (pos < end) {
            byte c = b[pos];
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                pos++;
            } else {
                return c & 0xff;
            }
        }
        return -1;
    }

    /** Consumes {@code c} if it comes next (after whitespace). */
    boolean consume(char c) {
        if (peek() == c) {
            pos++;
            return true;
        }
        return false;
    }

    void expect(char c) {
        if (!consume(c)) {
            throw syntax("expected '" + c + "'");
        }
    }

    /** At the end of an object's member or an array's element: true if another one follows. */
    boolean more(char close) {
        if (consume(',')) {
            return true;
        }
        if (consume(close)) {
            return false;
        }
        throw syntax("expected ',' or '" + close + "'");
    }

    /** Only whitespace may follow the document. */
    void expectEnd() {
        if (peek() != -1) {
            throw syntax("the body has more after its JSON object");
        }
    }

    /** A string (the opening quote next), escapes resolved; bytes are UTF-8 (invalid sequences become U+FFFD). */
    String string() {
        if (peek() != '"') {
            throw syntax("expected a string");
        }
        int start = ++pos;
        boolean escapes = false;
        while (true) {
            if (pos >= end) {
                throw syntax("unterminated string");
            }
            int c = b[pos] & 0xff;
            if (c == '"') {
                break;
            }
            if (c < 0x20) {
                throw syntax("control character in a string");
            }
            if (c == '\\') {
                escapes = true;
                pos++;
                if (pos >= end) {
                    throw syntax("unterminated string");
                }
                int e = b[pos];
                if (e == 'u') {
                    for (int i = 1; i <= 4; i++) {
                        if (pos + i >= end || Character.digit(b[pos + i], 16) < 0) {
                            throw syntax("bad \\u escape");
                        }
                    }
                    pos += 4;
                } else if ("\"\\/bfnrt".indexOf(e) < 0) {
                    // the byte as a number unless printable: a refusal quotes nothing a terminal acts on
                    throw syntax("bad escape \\" + (e > 0x20 && e < 0x7f ? String.valueOf((char) e)
                            : String.format(java.util.Locale.ROOT, " followed by byte 0x%02x", e & 0xff)));
                }
            }
            pos++;
        }
        int stop = pos++;
        String raw = new String(b, start, stop - start, StandardCharsets.UTF_8);
        return escapes ? unescape(raw) : raw;
    }

    private static String unescape(String s) {
        StringBuilder o = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                o.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'b' -> o.append('\b');
                case 'f' -> o.append('\f');
                case 'n' -> o.append('\n');
                case 'r' -> o.append('\r');
                case 't' -> o.append('\t');
                case 'u' -> {
                    o.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> o.append(e); // " \ /
            }
        }
        return o.toString();
    }

    /** True when a number starts next. */
    boolean atNumber() {
        int c = peek();
        return c == '-' || (c >= '0' && c <= '9');
    }

    /** A number, strictly by the JSON grammar, as the double {@link Double#parseDouble} gives for its text. */
    double number() {
        if (!atNumber()) {
            throw syntax("expected a number");
        }
        // locals, not the fields: this runs once per number of a body (784 of them in a LeNet-5 request)
        final byte[] b = this.b;
        final int end = this.end;
        int p = pos;
        int start = p;
        boolean negative = b[p] == '-';
        if (negative) {
            p++;
        }
        long mantissa = 0;
        int significant = 0;
        int exponent = 0;
        if (p < end && b[p] == '0') {
            p++;
        } else if (p < end && b[p] >= '1' && b[p] <= '9') {
            while (p < end) {
                int d = b[p] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                if (significant < 18) {
                    mantissa = mantissa * 10 + d;
                } else {
                    exponent++;
                }
                significant++;
                p++;
            }
        } else {
            pos = p;
            throw syntax("bad number");
        }
        if (p < end && b[p] == '.') {
            p++;
            if (p >= end || b[p] < '0' || b[p] > '9') {
                pos = p;
                throw syntax("bad number: digits must follow '.'");
            }
            if (mantissa == 0) {
                while (p < end && b[p] == '0') {
                    exponent--; // leading zeros of the fraction are not significant
                    p++;
                }
            }
            // up to eight digits at a time, their count found without a branch per digit (a loop's exit after
            // a varying count of digits costs a mispredicted branch per number)
            while (significant <= 10 && p <= end - 8) {
                long v = (long) LONGS.get(b, p);
                long x = v ^ 0x3030303030303030L; // a digit's byte becomes 0-9
                // a byte's high bit set when it is not a digit; bytes above the first such may be wrong (a
                // carry), but only the first is read
                long notDigit = ((x + 0x7676767676767676L) | x) & 0x8080808080808080L;
                int n = Long.numberOfTrailingZeros(notDigit) >>> 3;
                if (n == 0) {
                    break;
                }
                mantissa = mantissa * POW10_LONG[n] + digitsValue(x << (64 - 8 * n));
                significant += n;
                exponent -= n;
                p += n;
                if (n < 8) {
                    break;
                }
            }
            while (p < end) {
                int d = b[p] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                if (significant < 18) {
                    mantissa = mantissa * 10 + d;
                    exponent--;
                }
                significant++;
                p++;
            }
        }
        if (p < end && (b[p] == 'e' || b[p] == 'E')) {
            p++;
            boolean expNegative = false;
            if (p < end && (b[p] == '+' || b[p] == '-')) {
                expNegative = b[p] == '-';
                p++;
            }
            if (p >= end || b[p] < '0' || b[p] > '9') {
                pos = p;
                throw syntax("bad number: digits must follow the exponent mark");
            }
            int e = 0;
            while (p < end && b[p] >= '0' && b[p] <= '9') {
                e = Math.min(e * 10 + (b[p] - '0'), 100_000);
                p++;
            }
            exponent += expNegative ? -e : e;
        }
        pos = p;
        if (mantissa == 0) {
            return negative ? -0.0 : 0.0;
        }
        if (significant <= 15 && exponent >= -22 && exponent <= 22) {
            double m = negative ? -mantissa : mantissa;
            return exponent >= 0 ? m * POW10[exponent] : m / POW10[-exponent];
        }
        return Double.parseDouble(new String(b, start, p - start, StandardCharsets.ISO_8859_1));
    }

    private static final long[] POW10_LONG = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L,
        100_000_000L};

    /** The value of eight digits 0-9, one per byte, the lowest byte the most significant digit. */
    private static long digitsValue(long v) {
        v = v * 10 + (v >>> 8); // pairs: each even byte now holds two digits' value (0-99)
        return (((v & 0x000000FF000000FFL) * (100 + (1_000_000L << 32)))
                + (((v >>> 16) & 0x000000FF000000FFL) * (1 + (10_000L << 32)))) >>> 32;
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Skips one value of any kind, checking its syntax. */
    void skipValue(int depth) {
        if (depth > MAX_DEPTH) {
            throw syntax("nesting deeper than " + MAX_DEPTH);
        }
        int c = peek();
        switch (c) {
            case '{' -> {
                pos++;
                if (consume('}')) {
                    return;
                }
                do {
                    string();
                    expect(':');
                    skipValue(depth + 1);
                } while (more('}'));
            }
            case '[' -> {
                pos++;
                if (consume(']')) {
                    return;
                }
                do {
                    skipValue(depth + 1);
                } while (more(']'));
            }
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
    }

    /** Consumes {@code null} if it comes next. */
    boolean consumeNull() {
        if (peek() == 'n') {
            literal("null");
            return true;
        }
        return false;
    }

    /** A boolean value. */
    boolean bool() {
        int c = peek();
        if (c == 't') {
            literal("true");
            return true;
        }
        if (c == 'f') {
            literal("false");
            return false;
        }
        throw syntax("expected true or false");
    }

    private void literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (pos + i >= end || b[pos + i] != word.charAt(i)) {
                throw syntax("unexpected character");
            }
        }
        pos += word.length();
    }

    ApiException syntax(String what) {
        String at = pos >= end ? "at the end (byte " + end + ")" : "at byte " + pos;
        return new ApiException(400, "the body is not valid JSON: " + what + " " + at);
    }
}
