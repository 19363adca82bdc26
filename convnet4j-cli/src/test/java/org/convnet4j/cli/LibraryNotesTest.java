package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.convnet4j.checkpoint.SafeTensors;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.zoo.LeNet5;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notes the library logs through System.Logger (backed by java.util.logging) reach the terminal as one line each,
 * "convnet4j: WARNING: ...", not in JUL's two-line default (date, class and method on a line of their own). Checked
 * in a child JVM, where the logging set-up is the command line's alone.
 */
class LibraryNotesTest {
    /** A .c4j file as format 1 wrote it: no description checksum. */
    static Path formatOne(Path dir) throws Exception {
        Path p = dir.resolve("model.c4j");
        ModelFiles.save(LeNet5.build().initialize(1), p, Preprocessing.forInput(Shape.of(1, 28, 28)));
        Map<String, String> meta = new LinkedHashMap<>(SafeTensors.readHeader(p).metadata());
        Map<String, Tensor> tensors = SafeTensors.read(p).tensors();
        meta.remove("description_sha256");
        meta.put("format_version", "1");
        Path old = dir.resolve("old.c4j");
        SafeTensors.write(old, tensors, meta);
        return old;
    }

    @Test
    void theFormatOneNoteIsOneLine(@TempDir Path dir) throws Exception {
        Path old = formatOne(dir);
        List<String> cmd = ChildJvm.light();
        cmd.addAll(List.of(Main.class.getName(), "inspect", old.toString()));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        // the kernels' warning (no --add-modules here) is a library note too: every stderr line is one such note
        List<String> lines = err.lines().filter(l -> !l.startsWith("WARNING: Using incubator")).toList();
        List<String> notes = lines.stream().filter(l -> l.contains("format 1")).toList();
        assertEquals(1, notes.size(), err);
        assertTrue(notes.get(0).startsWith("convnet4j: WARNING: " + old + " was written by an older convnet4j"), err);
        for (String l : lines) {
            assertTrue(l.startsWith("convnet4j: "), "one-line notes only: " + err);
        }
        assertTrue(Files.exists(old));
    }
}
