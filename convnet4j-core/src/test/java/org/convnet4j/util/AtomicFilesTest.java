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
import java.nio.file.attribute.PosixFilePermissions;
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

    @Test
    void readOnlyDirectoryFailsWithTheReasonAndKeepsTheFile() throws IOException {
        Path target = dir.resolve("out.png");
        AtomicFiles.writeString(target, "old");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            if (Files.isWritable(dir)) {
                return; // running as root: permissions do not bind, the EIO/ENOSPC cases above still ran
            }
            IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "new"));
            assertTrue(e.getMessage().startsWith(target + ": could not create a temporary file in " + dir), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        assertEquals("old", Files.readString(target));
    }

    @Test
    void staleTemporariesOfDeadProcessesAreRemovedLiveOnesKept() throws IOException {
        Path target = dir.resolve("model.c4j");
        long deadPid = ProcessHandle.current().pid() + 4_000_000L; // above Linux's pid_max: no such process
        Path dead = Files.writeString(dir.resolve(".model.c4j.p" + deadPid + "-123.tmp"), "half");
        Path live = Files.writeString(dir.resolve(".model.c4j.p1-456.tmp"), "pid 1 is always alive");
        Path oldLegacy = Files.writeString(dir.resolve(".model.c4j.8812345.tmp"), "older naming");
        Files.setLastModifiedTime(oldLegacy, FileTime.from(Instant.now().minusSeconds(7200)));
        Path freshLegacy = Files.writeString(dir.resolve(".model.c4j.999.tmp"), "maybe still being written");
        Path otherTarget = Files.writeString(dir.resolve(".other.c4j.p" + deadPid + "-1.tmp"), "not ours");
        AtomicFiles.writeString(target, "new");
        assertTrue(Files.notExists(dead));
        assertTrue(Files.notExists(oldLegacy));
        assertTrue(Files.exists(live) && Files.exists(freshLegacy) && Files.exists(otherTarget));
        assertArrayEquals("new".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(target));
    }

    @Test
    void aDirectoryAsTargetOrAMissingDirectoryIsNamed() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(sub, "x"));
        assertTrue(e.getMessage().contains(sub + ": is a directory"), e.getMessage());
        Path missing = dir.resolve("nope/out.txt");
        e = assertThrows(IOException.class, () -> AtomicFiles.writeString(missing, "x"));
        assertTrue(e.getMessage().contains("output directory " + dir.resolve("nope") + " does not exist"), e.getMessage());
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
}
