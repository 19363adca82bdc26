package org.convnet4j.io.onnx;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.nn.Graph;

/**
 * The child JVM of {@link OnnxExportHeapTest}: imports an ONNX file (args[0]), then exports the model to args[1] with
 * {@link OnnxExporter#export} and prints "exported F bytes, allocated B bytes" (B: what this thread allocated for the
 * export alone, which every copy of the weights adds to); a heap too small ends it with "OutOfMemoryError" and exit 3.
 */
final class ExportHeapMain {
    private ExportHeapMain() {
    }

    public static void main(String[] args) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Graph g = OnnxImporter.importModel(OnnxReader.readModel(Path.of(args[0])), args[0]);
        System.gc(); // the file's bytes go: what is held now is the model
        try {
            long before = threads.getCurrentThreadAllocatedBytes();
            OnnxExporter.export(g, Path.of(args[1]));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            System.out.println("exported " + Files.size(Path.of(args[1])) + " bytes, allocated " + allocated + " bytes");
        } catch (OutOfMemoryError e) {
            System.out.println("OutOfMemoryError: " + e.getMessage());
            System.exit(3);
        }
    }
}
