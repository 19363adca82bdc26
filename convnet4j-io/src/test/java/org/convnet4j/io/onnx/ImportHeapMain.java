package org.convnet4j.io.onnx;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.convnet4j.nn.Graph;

/**
 * The child JVM of {@link OnnxImportHeapTest}: reads and imports one ONNX file as {@code ModelLoader} does
 * ({@link OnnxReader#readModel}, then {@link OnnxImporter#importModel}) and prints one line, "imported P parameters,
 * allocated B bytes" (B: what this thread allocated for both, which every copy of the weights adds to); a heap too small
 * ends it with "OutOfMemoryError" and exit 3.
 */
final class ImportHeapMain {
    private ImportHeapMain() {
    }

    public static void main(String[] args) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        try {
            OnnxModel.Model model = OnnxReader.readModel(Path.of(args[0]));
            Graph g = OnnxImporter.importModel(model, args[0]);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            System.out.println("imported " + g.trainableParameterCount() + " parameters, allocated " + allocated + " bytes");
        } catch (OutOfMemoryError e) {
            System.out.println("OutOfMemoryError: " + e.getMessage());
            System.exit(3);
        }
    }
}
