package org.convnet4j.util;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fault-injection hook for the fault tests, off unless the system property {@value #PROPERTY} is set: it stops
 * {@link AtomicFiles#write} to files of one name at chosen byte offsets, so that a test can show what a kill, a
 * full disk or an I/O error at that byte leaves behind. When the property is not set, a write costs one
 * {@code System.getProperty} call and nothing else.
 *
 * <p>The value is {@code NAME@STOP[,STOP...]}: every write whose target's file name is {@code NAME} is stopped
 * at each {@code STOP} in turn. A stop is an offset ({@code 0}: the temporary file exists and nothing is in it;
 * {@code N}: exactly N bytes have reached it; {@code end}: all of it, before it is forced to disk; {@code rename}:
 * forced, just before it is renamed over the target; for a file of an {@link AtomicFiles.Group}, also
 * {@code renamed}: just after its rename, and {@code putback}: before its earlier version is put back because a
 * later file's rename failed) and an action:
 * <ul>
 *   <li>{@code :halt} (the default): {@code Runtime.halt(137)}, as {@code kill -9} would (no finally block, no
 *       shutdown hook runs);</li>
 *   <li>{@code :pause}: logs {@code convnet4j.faults.write: NAME paused at N bytes} (a WARNING of logger
 *       {@code org.convnet4j.faults}: a stderr line in the CLI) and waits for a line on stdin, so that the process driving this one can look at the directory in exactly the state a kill
 *       at that byte would leave (the bytes written are in the file, nothing else has happened);</li>
 *   <li>{@code :enospc} (or {@code :fail}): throws an IOException ("No space left on device (injected ...)"), as a
 *       full disk would;</li>
 *   <li>{@code :eio}: throws an IOException ("Input/output error (injected ...)"), as a failing disk or a lost
 *       network file system would;</li>
 *   <li>{@code :crash}: throws {@link SimulatedCrash}, an Error after which a group cleans nothing up: a kill
 *       for tests that must keep their JVM.</li>
 * </ul>
 * Several files: {@code NAME@STOPS;NAME@STOPS}.
 * Example: {@code -Dconvnet4j.faults.write=model.onnx@0:pause,1000:pause,end:halt}; {@code output_1.pb@rename:eio}.
 */
final class WriteFaults {
    static final String PROPERTY = "convnet4j.faults.write";
    /** The exit status of a halt: what a shell reports for a process killed by SIGKILL. */
    static final int HALT_STATUS = 137;
    private static final System.Logger LOG = System.getLogger("org.convnet4j.faults");

    private WriteFaults() {
    }

    private static final List<String> ACTIONS = List.of("halt", "pause", "fail", "enospc", "eio", "crash");

    private record Stop(long offset, String action) {
        static final long END = Long.MAX_VALUE - 3;
        static final long RENAME = Long.MAX_VALUE - 2;
        static final long RENAMED = Long.MAX_VALUE - 1;
        static final long PUT_BACK = Long.MAX_VALUE;
    }

    /**
     * What the {@code crash} action throws: the in-process stand-in for a kill, for tests that cannot lose their
     * JVM. An {@link AtomicFiles.Group} that sees it mid-commit cleans nothing up, as a killed process would not.
     */
    static final class SimulatedCrash extends Error {
        SimulatedCrash(String where) {
            super("simulated crash (" + PROPERTY + ") at " + where);
        }
    }

    /** {@code out} itself unless the property names {@code target}'s file; then a stream that stops as it says. */
    static OutputStream around(Path target, OutputStream out) throws IOException {
        List<Stop> stops = stops(target);
        if (stops == null) {
            return out;
        }
        Stopping s = new Stopping(out, target.getFileName().toString(), stops);
        s.reached(0);
        return s;
    }

    /** Called just before the finished temporary file is renamed over {@code target}: the {@code rename} stops. */
    static void beforeRename(Path target) throws IOException {
        at(target, Stop.RENAME, "the rename");
    }

    /** Called just after a group's file is renamed over {@code target}: the {@code renamed} stops (halt, pause, crash). */
    static void afterRename(Path target) throws IOException {
        at(target, Stop.RENAMED, "its rename");
    }

    /** Called before a group puts back {@code target}'s earlier version (a later rename failed): {@code putback}. */
    static void beforePutBack(Path target) throws IOException {
        at(target, Stop.PUT_BACK, "the put-back");
    }

    private static void at(Path target, long where, String words) throws IOException {
        List<Stop> stops = stops(target);
        if (stops != null) {
            for (Stop stop : stops) {
                if (stop.offset() == where) {
                    act(stop, target.getFileName().toString(), words);
                }
            }
        }
    }

    /** The stops the property asks for at {@code target}, or null when it does not name that file. */
    private static List<Stop> stops(Path target) {
        String spec = System.getProperty(PROPERTY);
        if (spec == null || spec.isEmpty()) {
            return null;
        }
        if (target.getFileName() == null) {
            return null;
        }
        for (String one : spec.split(";")) {
            int at = one.lastIndexOf('@');
            if (at > 0 && target.getFileName().toString().equals(one.substring(0, at))) {
                return parse(one, at);
            }
        }
        return null;
    }

    private static List<Stop> parse(String spec, int at) {
        List<Stop> stops = new ArrayList<>();
        for (String s : spec.substring(at + 1).split(",")) {
            String[] p = s.strip().split(":", 2);
            String action = p.length > 1 ? p[1] : "halt";
            if (!ACTIONS.contains(action)) {
                throw new IllegalArgumentException(PROPERTY + ": unknown action '" + action + "' in " + spec);
            }
            long offset = switch (p[0]) {
                case "end" -> Stop.END;
                case "rename" -> Stop.RENAME;
                case "renamed" -> Stop.RENAMED;
                case "putback" -> Stop.PUT_BACK;
                default -> Long.parseLong(p[0]);
            };
            if (offset == Stop.RENAMED && !List.of("halt", "pause", "crash").contains(action)) {
                throw new IllegalArgumentException(PROPERTY + ": after a rename only halt, pause or crash: " + spec);
            }
            if (offset < 0 || (!stops.isEmpty() && offset < stops.get(stops.size() - 1).offset())) {
                throw new IllegalArgumentException(PROPERTY + ": offsets must be >= 0 and in order: " + spec);
            }
            stops.add(new Stop(offset, action));
        }
        return stops;
    }

    private static void act(Stop stop, String name, String where) throws IOException {
        switch (stop.action()) {
            case "pause" -> {
                // through System.Logger, as the library's other messages (the CLI prints them as stderr lines)
                LOG.log(System.Logger.Level.WARNING, PROPERTY + ": " + name + " paused at " + where);
                InputStream in = System.in;
                int c;
                do {
                    c = in.read();
                } while (c != '\n' && c != -1);
            }
            case "fail", "enospc" -> throw new IOException("No space left on device (injected by " + PROPERTY + " at "
                    + where + ")");
            case "eio" -> throw new IOException("Input/output error (injected by " + PROPERTY + " at " + where + ")");
            case "crash" -> throw new SimulatedCrash(name + ", " + where);
            default -> Runtime.getRuntime().halt(HALT_STATUS);
        }
    }

    /** Called when the writer has written everything, before the temporary file is forced and renamed. */
    static void end(OutputStream out) throws IOException {
        if (out instanceof Stopping s) {
            s.flush();
            s.atEnd();
        }
    }

    private static final class Stopping extends FilterOutputStream {
        private final String name;
        private final List<Stop> stops;
        private int next;
        private long written;

        Stopping(OutputStream out, String name, List<Stop> stops) {
            super(out);
            this.name = name;
            this.stops = stops;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                long limit = next < stops.size() ? stops.get(next).offset() : Long.MAX_VALUE;
                int n = (int) Math.min(len, limit - written);
                out.write(b, off, n);
                written += n;
                off += n;
                len -= n;
                reached(written);
            }
        }

        /** Acts on every stop at {@code offset} (several stops may share one). */
        void reached(long offset) throws IOException {
            while (next < stops.size() && stops.get(next).offset() == offset) {
                act(stops.get(next++), offset);
            }
        }

        void atEnd() throws IOException {
            while (next < stops.size() && stops.get(next).offset() == Stop.END) {
                act(stops.get(next++), written);
            }
        }

        private void act(Stop stop, long at) throws IOException {
            out.flush(); // the bytes counted are in the file (AtomicFiles' channel stream does not buffer)
            WriteFaults.act(stop, name, stop.action().equals("pause") ? at + " bytes" : "byte " + at);
        }
    }
}
