package org.convnet4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader ({@link GroupSeal#check} ... {@link GroupSeal.Check#confirm}) racing a live writer of a group, in one JVM:
 * the writer is stopped by the fault hook's {@code pause} at a chosen point of its commit and the reader reads
 * there (the hook's pause reads a line from {@code System.in}, which the test answers after reading). The reader
 * must never end with bytes of a group that was not published, nor with a mix of two groups, without being told.
 */
class GroupSealRaceTest {
    @TempDir
    Path dir;

    private final InputStream stdin = System.in;

    @AfterEach
    void hookOff() {
        System.clearProperty(WriteFaults.PROPERTY);
        System.setIn(stdin);
    }

    private List<Path> files() {
        return List.of(dir.resolve("a"), dir.resolve("b"));
    }

    private void write(boolean sealed, String version) throws IOException {
        try (AtomicFiles.Group g = sealed ? AtomicFiles.sealedGroup() : AtomicFiles.group()) {
            for (Path p : files()) {
                g.write(p, out -> out.write((version + " " + p.getFileName()).getBytes(StandardCharsets.UTF_8)));
            }
            g.publish();
        }
    }

    /** What the reader reads of each file, first three letters ("old"/"new"). */
    private List<String> read() throws IOException {
        List<String> s = new ArrayList<>();
        for (Path p : files()) {
            s.add(Files.readString(p).substring(0, 3));
        }
        return s;
    }

    /** Runs {@code reader} when the writer pauses at the hook (once), then lets the writer go on. */
    private static void whenPaused(ThrowingRunnable reader) {
        System.setIn(new InputStream() {
            private boolean ran;

            @Override
            public int read() throws IOException {
                if (!ran) {
                    ran = true;
                    reader.run();
                }
                return '\n';
            }
        });
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws IOException;
    }

    /**
     * The put-back race: the reader checks a sealed group, the writer replaces a, then fails to rename b (an
     * injected I/O error) and puts the earlier a back: the same file (file key, size, modification time) as at the
     * check. The reader, which read a between the rename and the put-back, held the new a, a file of a group never
     * published; its confirm must say so.
     */
    @Test
    void aReaderThatReadAFailedCommitsFileBeforeItsPutBackIsRefused() throws IOException {
        write(true, "old");
        GroupSeal.Check check = GroupSeal.check(files());
        List<String> seen = new ArrayList<>();
        whenPaused(() -> seen.addAll(read()));
        System.setProperty(WriteFaults.PROPERTY, "b@rename:eio;a@putback:pause");
        IOException failed = assertThrows(IOException.class, () -> write(true, "new"));
        assertTrue(failed.getMessage().contains("Input/output error"), failed.getMessage());
        assertEquals(List.of("new", "old"), seen, "the reader read a between its rename and its put-back");
        assertEquals(List.of("old", "old"), read(), "the earlier group is back");
        IOException e = assertThrows(IOException.class, check::confirm, "the reader is told");
        assertTrue(e.getMessage().startsWith(dir.resolve("a") + ": replaced while it was being read"), e.getMessage());
        GroupSeal.check(files()).confirm(); // a new read of the earlier group is fine
    }

    /**
     * The same race in a folder without a seal (outputs an older convnet4j wrote, or files put there by hand): the
     * reader checks, the writer's first sealed group renames a and is paused before b; the reader, which reads the
     * mix (new a, old b) and confirms right there, must be refused although no seal lists a or b.
     */
    @Test
    void aMixReadInAFolderWithoutASealIsRefused() throws IOException {
        write(false, "old");
        GroupSeal.Check check = GroupSeal.check(files());
        List<String> seen = new ArrayList<>();
        IOException[] confirm = new IOException[1];
        whenPaused(() -> {
            seen.addAll(read());
            try {
                check.confirm();
            } catch (IOException e) {
                confirm[0] = e;
            }
        });
        System.setProperty(WriteFaults.PROPERTY, "b@rename:pause");
        write(true, "new");
        assertEquals(List.of("new", "old"), seen, "the reader read the mix");
        assertNotNull(confirm[0], "the reader is told");
        assertTrue(confirm[0].getMessage().startsWith(dir.resolve("a") + ": replaced while it was being read"),
                confirm[0].getMessage());
    }

    /**
     * A file that was not there at the check, made by a commit that then fails and removes it again: the reader that
     * read it in between (a file of a group never published) is refused, though the folder looks as at the check.
     */
    @Test
    void aFileMadeAndRemovedAgainByAFailedCommitIsRefused() throws IOException {
        try (AtomicFiles.Group g = AtomicFiles.sealedGroup()) { // an earlier group of a alone
            g.write(dir.resolve("a"), out -> out.write("old a".getBytes(StandardCharsets.UTF_8)));
            g.publish();
        }
        GroupSeal.Check check = GroupSeal.check(List.of(dir.resolve("b")));
        List<String> seen = new ArrayList<>();
        whenPaused(() -> seen.add(Files.readString(dir.resolve("b"))));
        System.setProperty(WriteFaults.PROPERTY, GroupSeal.FILE + "@rename:eio;b@putback:pause");
        assertThrows(IOException.class, () -> write(true, "new"));
        assertEquals(List.of("new b"), seen, "the reader read b between its rename and its removal");
        assertTrue(Files.notExists(dir.resolve("b")));
        IOException e = assertThrows(IOException.class, check::confirm, "the reader is told");
        assertTrue(e.getMessage().startsWith(dir.resolve("b") + ": replaced while it was being read (not there when"),
                e.getMessage());
    }

    /**
     * The put-back keeps the file key, size and modification time, so the change time is what tells: it is made
     * later even when the file system's clock has not ticked since the last change (then a rename leaves it as it
     * was), and right after a change that is the usual case.
     */
    @Test
    void theChangeTimeIsMadeLaterEvenWithinOneClockTick() throws IOException {
        Path a = dir.resolve("a");
        Files.writeString(a, "x");
        java.nio.file.attribute.FileTime before = GroupSeal.changeTime(a);
        assertNotNull(before, "Linux tells change times (the \"unix\" attribute view)");
        assertTrue(GroupSeal.changedAfter(a, before));
        assertTrue(GroupSeal.changeTime(a).compareTo(before) > 0);
        assertEquals("x", Files.readString(a));
    }
}
