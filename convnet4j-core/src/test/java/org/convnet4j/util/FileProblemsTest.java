package org.convnet4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileProblemsTest {
    @TempDir
    Path dir;

    @Test
    void aJdkExceptionThatCarriesOnlyAPathGetsItsTypeInWords() throws IOException {
        assertEquals("out/a.png: no such file or directory", FileProblems.describe(new NoSuchFileException("out/a.png")));
        assertEquals("out: permission denied", FileProblems.describe(new AccessDeniedException("out")));
        assertEquals("out/x: not a directory", FileProblems.describe(new NotDirectoryException("out/x")));
        assertEquals("d: DirectoryNotEmptyException", FileProblems.describe(new DirectoryNotEmptyException("d")));
        // an output folder that is a file, and a name that is taken (by the time it is reported, perhaps gone)
        Path file = Files.writeString(dir.resolve("out"), "x");
        assertEquals(file + ": exists and is not a directory",
                FileProblems.describe(new FileAlreadyExistsException(file.toString())));
        assertEquals(dir + ": already exists", FileProblems.describe(new FileAlreadyExistsException(dir.toString())));
        assertEquals(dir.resolve("gone") + ": already exists",
                FileProblems.describe(new FileAlreadyExistsException(dir.resolve("gone").toString())));
    }

    @Test
    void aReasonGivenIsKeptAndOtherFailuresKeepTheirMessage() {
        NoSuchFileException withReason = new NoSuchFileException("out/a.png", null, "output directory out does not exist");
        assertEquals("out/a.png: output directory out does not exist", FileProblems.describe(withReason));
        assertEquals("output directory out does not exist", FileProblems.reason(withReason));
        assertEquals("bad value", FileProblems.describe(new IllegalArgumentException("bad value")));
        assertEquals("IllegalStateException", FileProblems.describe(new IllegalStateException()));
        assertEquals("IOException", FileProblems.describe(new IOException(" ")));
        // an UncheckedIOException without words of its own is its cause's
        assertEquals("a: permission denied",
                FileProblems.describe(new UncheckedIOException(null, new AccessDeniedException("a"))));
    }
}
