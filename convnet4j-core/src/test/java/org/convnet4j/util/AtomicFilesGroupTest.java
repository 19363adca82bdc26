package org.convnet4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written together ({@link AtomicFiles.Group}): replaced all or none, whatever fails and wherever. */
class AtomicFilesGroupTest {
    @TempDir
    Path dir;

    @AfterEach
    void hookOff() {
        System.clearProperty(WriteFaults.PROPERTY);
    }

    private List<String> listing() throws IOException {
        return listing(dir);
    }

    /** The names in {@code dir}, sorted. */
    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Writes "new a", "new b", "new c" to a, b, c as one group. */
    private void writeThree() throws IOException {
        writeThree(dir);
    }

    /** Writes "new a", "new b", "new c" to a, b, c of {@code dir} as one group. */
    static void writeThree(Path dir) throws IOException {
        try (AtomicFiles.Group g = AtomicFiles.group()) {
            for (String n : List.of("a", "b", "c")) {
                g.write(dir.resolve(n), out -> out.write(("new " + n).getBytes(StandardCharsets.UTF_8)));
            }
            g.publish();
        }
    }

    private void earlier(String... names) throws IOException {
        for (String n : names) {
            Files.writeString(dir.resolve(n), "old " + n);
        }
    }

    @Test
    void allAreReplacedAndNothingElseIsLeft() throws IOException {
        earlier("a", "c"); // b is new
        writeThree();
        assertEquals(List.of("a", "b", "c"), listing());
        assertEquals("new a", Files.readString(dir.resolve("a")));
        assertEquals("new b", Files.readString(dir.resolve("b")));
        assertEquals("new c", Files.readString(dir.resolve("c")));
    }

    @Test
    void aWriteThatFailsReplacesNone() throws IOException {
        for (String fault : List.of("enospc", "eio")) {
            earlier("a", "b", "c");
            System.setProperty(WriteFaults.PROPERTY, "b@3:" + fault);
            IOException e = assertThrows(IOException.class, this::writeThree);
            String reason = fault.equals("eio") ? "Input/output error" : "No space left on device";
            assertEquals(dir.resolve("b") + ": could not write (" + reason + " (injected by convnet4j.faults.write at"
                    + " byte 3)); any earlier b is unchanged, and so is a, written with it", e.getMessage());
            for (String n : List.of("a", "b", "c")) {
                assertEquals("old " + n, Files.readString(dir.resolve(n)), fault + ": " + n);
            }
            assertEquals(List.of("a", "b", "c"), listing());
        }
    }

    @Test
    void aRenameThatFailsPutsBackTheOnesReplacedBeforeIt() throws IOException {
        earlier("a", "c"); // b did not exist: it is removed again
        System.setProperty(WriteFaults.PROPERTY, "c@rename:eio");
        IOException e = assertThrows(IOException.class, this::writeThree);
        assertEquals(dir.resolve("c") + ": could not rename the finished temporary file onto it (Input/output error"
                + " (injected by convnet4j.faults.write at the rename)); any earlier c is unchanged, and so are a, b,"
                + " written with it", e.getMessage());
        assertEquals("old a", Files.readString(dir.resolve("a")));
        assertEquals("old c", Files.readString(dir.resolve("c")));
        assertEquals(List.of("a", "c"), listing());

        System.clearProperty(WriteFaults.PROPERTY);
        writeThree(); // and the next try replaces all three
        assertEquals("new a", Files.readString(dir.resolve("a")));
    }

    @Test
    void whatCannotBePutBackIsNamed() throws IOException {
        earlier("a", "b", "c");
        System.setProperty(WriteFaults.PROPERTY, "c@rename:eio");
        IOException e;
        try (AtomicFiles.Group g = AtomicFiles.group()) {
            g.hardLinks = false; // a file system without hard links: the earlier versions cannot be kept
            for (String n : List.of("a", "b", "c")) {
                g.write(dir.resolve(n), out -> out.write(("new " + n).getBytes(StandardCharsets.UTF_8)));
            }
            e = assertThrows(IOException.class, g::publish);
        }
        assertEquals(dir.resolve("c") + ": could not rename the finished temporary file onto it (Input/output error"
                + " (injected by convnet4j.faults.write at the rename)); any earlier c is unchanged; of the 3 files"
                + " written together, a, b are new and c is as before", e.getMessage());
        assertEquals("new a", Files.readString(dir.resolve("a")));
        assertEquals("new b", Files.readString(dir.resolve("b")));
        assertEquals("old c", Files.readString(dir.resolve("c")));
        assertEquals(List.of("a", "b", "c"), listing());
    }

    @Test
    void anUnpublishedGroupLeavesNoTemporary() throws IOException {
        earlier("a");
        try (AtomicFiles.Group g = AtomicFiles.group()) {
            g.write(dir.resolve("a"), out -> out.write(1));
            g.write(dir.resolve("b"), out -> out.write(2));
            assertEquals(3, listing().size()); // a and the two temporaries, nothing published
            assertFalse(Files.exists(dir.resolve("b")));
        }
        assertEquals(List.of("a"), listing());
        assertEquals("old a", Files.readString(dir.resolve("a")));
    }
}
