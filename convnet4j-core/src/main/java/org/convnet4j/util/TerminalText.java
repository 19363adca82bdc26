package org.convnet4j.util;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;

/**
 * Text from files (class names, layer names, paths inside a model) reaches a terminal only escaped: a class name
 * holding {@code ESC ] 0 ;} can otherwise retitle the window, move the cursor or hide lines. Control characters
 * other than newline, carriage return and tab (C0, DEL, C1) are shown as {@code \xNN} / {@code \\uNNNN}, which a
 * terminal prints literally.
 */
public final class TerminalText {
    private TerminalText() {
    }

    static boolean harmful(char c) {
        return (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || (c >= 0x7f && c <= 0x9f)
                || c == '\u2028' || c == '\u2029' || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069');
    }

    /** {@code s} with every harmful character escaped; the same string if there is none. */
    public static String escape(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (harmful(c)) {
                if (b == null) {
                    b = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                b.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /** A writer that escapes everything written through it (wrap stdout and stderr once, at the top). */
    public static Writer escaping(Writer out) {
        return new FilterWriter(out) {
            @Override
            public void write(int c) throws IOException {
                if (harmful((char) c)) {
                    out.write(escape(String.valueOf((char) c)));
                } else {
                    out.write(c);
                }
            }

            @Override
            public void write(char[] cbuf, int off, int len) throws IOException {
                out.write(escape(new String(cbuf, off, len)));
            }

            @Override
            public void write(String str, int off, int len) throws IOException {
                out.write(escape(str.substring(off, off + len)));
            }
        };
    }
}
