package org.convnet4j.cli;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child JVM's entry point for tests that measure a command: runs {@link Main#execute} on this thread, then writes
 * the bytes this thread allocated while it ran to the file named by {@code -Dmeasured.out}, and exits with the
 * command's code. The command's stdout and stderr are the process's.
 */
public final class MeasuredMain {
    private MeasuredMain() {
    }

    public static void main(String[] args) throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int code = Main.execute(args, out, err);
        out.flush();
        err.flush();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        Files.writeString(Path.of(System.getProperty("measured.out")), Long.toString(allocated));
        System.exit(code);
    }
}
