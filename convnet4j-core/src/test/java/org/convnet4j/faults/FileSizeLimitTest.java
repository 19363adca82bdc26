package org.convnet4j.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.zoo.ModelZoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real write failure from the kernel rather than an injected one, and one that holds for root too: a child JVM
 * runs under {@code ulimit -f 64} (files of at most 64 KiB; the JVM ignores SIGXFSZ, so a write past the limit
 * fails with EFBIG, "File too large") and saves a LeNet-5 checkpoint (about 250 KB) over an existing one. The save
 * must fail with one message naming the file and the cause, the earlier checkpoint must be byte-identical, and no
 * temporary file may remain.
 */
class FileSizeLimitTest {
    @TempDir
    Path dir;

    /** The child: saves a freshly initialised LeNet-5 to args[0]; prints "saved" or "refused: MESSAGE" on stdout. */
    public static void main(String[] args) {
        Model m = ModelZoo.build("lenet5", null, 10);
        m.initialize(2);
        try {
            ModelFiles.save(m, Path.of(args[0]));
            System.out.println("saved");
        } catch (IOException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }

    @Test
    void aFileSizeLimitMidSaveLeavesThePreviousCheckpointAndNoTemporary() throws Exception {
        Path target = dir.resolve("model.c4j");
        Model good = ModelZoo.build("lenet5", null, 10);
        good.initialize(1);
        ModelFiles.save(good, target);
        byte[] before = Files.readAllBytes(target);
        assertTrue(before.length > 128 * 1024, "the checkpoint is larger than the limit: " + before.length);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String child = "ulimit -f 64 && exec \"$0\" -XX:-UsePerfData -Xshare:off -Xmx256m -cp \"$1\" \"$2\" \"$3\"";
        Process p = new ProcessBuilder("bash", "-c", child, java, System.getProperty("java.class.path"),
                FileSizeLimitTest.class.getName(), target.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), output);
        assertEquals("refused: " + target + ": could not write (File too large); any earlier model.c4j is unchanged",
                output);
        assertArrayEquals(before, Files.readAllBytes(target), "the earlier checkpoint is byte-identical");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("model.c4j"), s.map(f -> f.getFileName().toString()).toList(), "no temporary left");
        }
        // the same save without the limit succeeds (the failure above came from the limit alone)
        Process free = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                FileSizeLimitTest.class.getName(), target.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String freeOut = new String(free.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, free.waitFor(), freeOut);
        assertTrue(freeOut.endsWith("saved"), freeOut);
    }
}
