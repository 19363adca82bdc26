package org.convnet4j.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one write path: faults injected into it (ENOSPC, EIO, read-only directory) never cost the previous file. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A download's finished .part put in place: replaced in one step, never from another directory. */
    @Test
    void commitRenamesAFinishedSiblingOverTheTarget() throws IOException {
        Path target = dir.resolve("w.safetensors");
        Files.writeString(target, "old");
        Path part = Files.writeString(dir.resolve("w.safetensors.part"), "new");
        AtomicFiles.commit(part, target);
        assertEquals("new", Files.readString(target));
        assertEquals(List.of("w.safetensors"), listing());

        Path elsewhere = Files.writeString(Files.createDirectories(dir.resolve("sub")).resolve("x.part"), "other");
        assertThrows(IllegalArgumentException.class, () -> AtomicFiles.commit(elsewhere, target));
        Path missing = dir.resolve("gone.part");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.commit(missing, target));
        assertTrue(e.getMessage().startsWith(target + ": could not force gone.part to disk ("), e.getMessage());
        assertEquals("new", Files.readString(target));
        assertEquals("other", Files.readString(elsewhere));
    }

    @Test
    void injectedWriteErrorsLeaveThePreviousFileAndNoTemporary() throws IOException {
        Path target = dir.resolve("model.c4j");
        AtomicFiles.writeString(target, "good");
        for (String reason : List.of("No space left on device", "Input/output error")) {
            IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
                out.write(new byte[4096]);
                throw new IOException(reason);
            }));
            assertEquals(target + ": could not write (" + reason + "); any earlier model.c4j is unchanged", e.getMessage());
            assertEquals("good", Files.readString(target));
            assertEquals(List.of("model.c4j"), listing());
        }
    }

    @Test
    void copyIsAtomicAndAMissingSourceKeepsTheTarget() throws IOException {
        Path src = dir.resolve("a.last.c4j");
        Path target = dir.resolve("a.c4j");
        Files.writeString(src, "epoch 3");
        AtomicFiles.writeString(target, "epoch 2");
        AtomicFiles.copy(src, target);
        assertEquals("epoch 3", Files.readString(target));
        Files.delete(src);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.copy(src, target));
        assertTrue(e.getMessage().contains(src.toString()), e.getMessage());
        assertEquals("epoch 3", Files.readString(target));
    }

    /**
     * Failures that hold as root too (CI runs as root, where a read-only directory does not stop writes): an
     * output path whose parent is a file, and a target name over the file system's 255-byte limit, whose rename
     * fails after the content was written. Either way the message names the target and the cause, the earlier
     * files are unchanged and no temporary is left. (A full file-size limit: FileSizeLimitTest.)
     */
    @Test
    void aParentThatIsAFileOrANameTooLongFailWithTheReasonAndKeepEverything() throws IOException {
        Path notADir = Files.writeString(dir.resolve("notes.txt"), "keep me");
        Path under = notADir.resolve("out.png");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(under, "new"));
        assertTrue(e.getMessage().contains(under.toString()) && e.getMessage().contains(notADir + " is a file, not a directory"),
                e.getMessage());
        assertEquals("keep me", Files.readString(notADir));

        Path tooLong = dir.resolve("m".repeat(252) + ".c4j"); // 256 bytes: one more than NAME_MAX
        e = assertThrows(IOException.class, () -> AtomicFiles.writeString(tooLong, "new"));
        assertTrue(e.getMessage().startsWith(tooLong + ": could not rename the finished temporary file onto it ("),
                e.getMessage());
        assertTrue(e.getMessage().contains("File name too long"), e.getMessage());
        assertEquals(List.of("notes.txt"), listing());
    }

    /**
     * A target name that is valid but long (up to 255 bytes, also in multi-byte characters) still gets a
     * temporary file whose name fits: its stem is shortened and made unique with a hash, and stale temporaries
     * of such a target are still found and removed.
     */
    @Test
    void longTargetNamesGetTemporaryNamesWithinTheLimit() throws IOException {
        for (String name : List.of("a".repeat(251) + ".c4j", "\u00fc".repeat(125) + ".c4j", "b".repeat(190))) {
            assertTrue(name.getBytes(StandardCharsets.UTF_8).length <= 255);
            String tmp = AtomicFiles.temporaryName(name);
            assertTrue(tmp.getBytes(StandardCharsets.UTF_8).length <= 255, tmp.length() + " bytes: " + tmp);
            Path target = dir.resolve(name);
            AtomicFiles.writeString(target, "one");
            AtomicFiles.writeString(target, "two");
            assertEquals("two", Files.readString(target));
            long deadPid = ProcessHandle.current().pid() + 4_000_000L;
            Path stale = Files.writeString(dir.resolve(AtomicFiles.temporaryPrefix(name, deadPid) + "7.tmp"), "half");
            String longest = AtomicFiles.temporaryName(name, new WriterId(Long.MAX_VALUE, "h".repeat(WriterId.MAX_HOST_CHARS)));
            assertTrue(longest.getBytes(StandardCharsets.UTF_8).length <= 255, "with the longest host: " + longest);
            AtomicFiles.writeString(target, "three");
            assertTrue(Files.notExists(stale), "a killed writer's temporary of a long name is cleaned");
            assertEquals(List.of(name), listing());
            Files.delete(target);
        }
        // two long names that share their first 181 bytes still get different stems
        String a = "x".repeat(200) + "-a.c4j";
        String b = "x".repeat(200) + "-b.c4j";
        assertTrue(!AtomicFiles.stem(a).equals(AtomicFiles.stem(b)));
    }

    @Test
    void staleTemporariesOfDeadProcessesAreRemovedLiveOnesKept() throws IOException {
        Path target = dir.resolve("model.c4j");
        long deadPid = ProcessHandle.current().pid() + 4_000_000L; // above Linux's pid_max: no such process
        Path dead = Files.writeString(dir.resolve(AtomicFiles.temporaryPrefix("model.c4j", deadPid) + "123.tmp"), "half");
        Path live = Files.writeString(dir.resolve(AtomicFiles.temporaryPrefix("model.c4j", 1) + "456.tmp"),
                "pid 1 is always alive");
        Path oldLegacy = Files.writeString(dir.resolve(".model.c4j.8812345.tmp"), "older naming");
        Files.setLastModifiedTime(oldLegacy, FileTime.from(Instant.now().minusSeconds(7200)));
        Path freshLegacy = Files.writeString(dir.resolve(".model.c4j.999.tmp"), "maybe still being written");
        // another target's, of a killed run that wrote other files here (output_2.pb of a run with more outputs)
        Path otherTarget = Files.writeString(dir.resolve(AtomicFiles.temporaryPrefix("output_2.pb", deadPid) + "1.tmp"),
                "a killed run's");
        Path otherLive = Files.writeString(dir.resolve(AtomicFiles.temporaryPrefix("other.c4j", 1) + "2.tmp"),
                "a live writer's");
        Path usersOwn = Files.writeString(dir.resolve(".notes.tmp"), "the user's");
        AtomicFiles.writeString(target, "new");
        assertTrue(Files.notExists(dead));
        assertTrue(Files.notExists(oldLegacy));
        assertTrue(Files.notExists(otherTarget), "stale temporaries of any target in that folder are cleaned");
        assertTrue(Files.exists(live) && Files.exists(freshLegacy) && Files.exists(otherLive) && Files.exists(usersOwn));
        assertArrayEquals("new".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(target));
    }

    /**
     * A target that is a pipe, or a link to a device ({@code -o /dev/null}, {@code -o /dev/stdout}): the rename would
     * replace the node itself (as root, /dev/null made a regular file holding the output; here a pipe made a file, or
     * the link replaced). Refused in one line naming it, before anything is written; the node is left as it was.
     */
    @Test
    void aPipeOrADeviceAsTargetIsRefusedAndLeftAsItIs() throws Exception {
        Path pipe = dir.resolve("pipe");
        Process mk = new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start();
        assertTrue(mk.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo");
        Path devNull = Files.createSymbolicLink(dir.resolve("null"), Path.of("/dev/null"));
        for (Path target : List.of(pipe, devNull)) {
            for (org.junit.jupiter.api.function.Executable write : List.<org.junit.jupiter.api.function.Executable>of(
                    () -> AtomicFiles.requireWritable(target), () -> AtomicFiles.writeString(target, "model"))) {
                IOException e = assertThrows(IOException.class, write);
                assertEquals(target + ": not a regular file (a device, a pipe or a socket): convnet4j replaces an output"
                        + " file by renaming a finished one over it, which would replace that node itself; give the path"
                        + " of a file", e.getMessage());
            }
        }
        assertTrue(Files.isSymbolicLink(devNull) && !Files.isRegularFile(pipe) && Files.exists(pipe));
        assertEquals(List.of("null", "pipe"), listing());
    }

    @Test
    void aDirectoryAsTargetOrAMissingDirectoryIsNamed() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(sub, "x"));
        assertTrue(e.getMessage().contains(sub + ": is a directory"), e.getMessage());
        Path missing = dir.resolve("nope/out.txt");
        e = assertThrows(IOException.class, () -> AtomicFiles.writeString(missing, "x"));
        assertTrue(e.getMessage().contains("output directory " + dir.resolve("nope") + " does not exist"), e.getMessage());
        Path file = Files.writeString(dir.resolve("picture.png"), "x"); // -o picture.png/x.png: a file, not "missing"
        for (org.junit.jupiter.api.function.Executable write : List.<org.junit.jupiter.api.function.Executable>of(
                () -> AtomicFiles.requireWritable(file.resolve("x.png")), () -> AtomicFiles.writeString(file.resolve("x.png"), "y"))) {
            e = assertThrows(IOException.class, write);
            assertEquals(file.resolve("x.png") + ": " + file + " is a file, not a directory", e.getMessage());
        }
    }

    @Test
    void budgetArithmeticSaturatesInsteadOfOverflowing() {
        assertEquals(-1, MemoryBudget.bytesOf(4, 6400, 1L << 40, 1L << 30));
        assertEquals(-1, MemoryBudget.add(Long.MAX_VALUE, 1));
        assertEquals(4L * 6400 * 3 * 49, MemoryBudget.bytesOf(4, 6400, 3, 7, 7));
        assertEquals(2L << 30, MemoryBudget.parseBytes("2g"));
        assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parseBytes("-5"));
        MemoryBudget.TooLargeException e = assertThrows(MemoryBudget.TooLargeException.class,
                () -> MemoryBudget.require("f.safetensors: tensor w", -1));
        assertTrue(e.getMessage().startsWith("f.safetensors: tensor w needs more than 8 EB, above the limit of"), e.getMessage());
        assertEquals("a\\x1b]0;pwned\\x07b", TerminalText.escape("a\u001b]0;pwned\u0007b"));
        assertEquals("line\n\ttab", TerminalText.escape("line\n\ttab"));
    }

    /** The check before work: a directory, a missing folder are refused naming the target; a plain target passes. */
    @Test
    void requireWritableRefusesADirectoryAndAMissingFolderBeforeAnyWork(@TempDir Path dir) throws IOException {
        AtomicFiles.requireWritable(dir.resolve("out.png")); // a new file in a writable folder
        java.nio.file.FileSystemException isDir = assertThrows(java.nio.file.FileSystemException.class,
                () -> AtomicFiles.requireWritable(dir));
        assertEquals(dir + ": is a directory, not a file", isDir.getMessage());
        Path missing = dir.resolve("no").resolve("m.c4j");
        java.nio.file.NoSuchFileException noDir = assertThrows(java.nio.file.NoSuchFileException.class,
                () -> AtomicFiles.requireWritable(missing));
        assertEquals(missing + ": output directory " + dir.resolve("no") + " does not exist", noDir.getMessage());
        Files.writeString(dir.resolve("file"), "x");
        assertThrows(java.nio.file.NoSuchFileException.class,
                () -> AtomicFiles.requireWritable(dir.resolve("file").resolve("m.c4j"))); // a file where the folder is
        // a folder that is not writable: ReadOnlyFolderTest (cli) runs it as another user, since root may write anywhere
    }

    /** Text that can only mean a folder (-o nodir/) is no output file: refused with a name to give; a file name passes. */
    @Test
    void aNameEndingInASlashOrDotIsAFolderNotAnOutputFile() {
        for (String folder : List.of("nodir/", "a/b/", "/", "x/.", "x/..", ".", "..", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AtomicFiles.outputFile(folder, "model.c4j"), folder);
            assertTrue(e.getMessage().startsWith("'" + folder + "' names no file ("), e.getMessage());
        }
        assertEquals("'nodir/' names no file (it ends in '/': a folder); this option writes one file: give its name,"
                + " such as nodir/model.c4j", assertThrows(IllegalArgumentException.class,
                        () -> AtomicFiles.outputFile("nodir/", "model.c4j")).getMessage());
        assertEquals(Path.of("nodir/m.c4j"), AtomicFiles.outputFile("nodir/m.c4j", "model.c4j"));
        assertEquals(Path.of("x.png"), AtomicFiles.outputFile("x.png", "out.png"));
        assertEquals(Path.of(".hidden"), AtomicFiles.outputFile(".hidden", "out.png"));
    }
}
