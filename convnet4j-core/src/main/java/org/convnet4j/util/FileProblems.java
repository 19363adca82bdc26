package org.convnet4j.util;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * A failure as one message that names the file and the problem, for anything that reports errors to a person (the
 * command line, a server's error reply, a log): the JDK's file exceptions often carry only a path
 * ({@code NoSuchFileException: out/a.png}), and their type is the problem.
 */
public final class FileProblems {
    private FileProblems() {
    }

    /**
     * The problem of a file-system exception in words: its reason when it has one, else what its type means ("no
     * such file or directory", "permission denied", "not a directory", "exists and is not a directory" or "already
     * exists"), else the type's simple name.
     */
    public static String reason(FileSystemException e) {
        if (e.getReason() != null) {
            return e.getReason();
        }
        return e instanceof NoSuchFileException ? "no such file or directory"
                : e instanceof AccessDeniedException ? "permission denied"
                : e instanceof FileAlreadyExistsException ? existing(e.getFile())
                : e instanceof NotDirectoryException ? "not a directory"
                : e.getClass().getSimpleName();
    }

    /**
     * One message naming the file and the problem: a file-system exception's own message when it gives a reason,
     * else "FILE: " and {@link #reason}; an UncheckedIOException without words of its own is its cause's; anything
     * else its message, or its type's simple name when it has none.
     */
    public static String describe(Throwable t) {
        if (t instanceof UncheckedIOException && t.getMessage() == null && t.getCause() != null) {
            return describe(t.getCause());
        }
        if (t instanceof FileSystemException fse) {
            return fse.getReason() != null ? fse.getMessage() : fse.getFile() + ": " + reason(fse);
        }
        String msg = t.getMessage();
        return msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
    }

    /** FileAlreadyExistsException's words: mostly an output folder that is a file. */
    private static String existing(String file) {
        Path p = file == null ? null : Path.of(file);
        return p != null && Files.exists(p) && !Files.isDirectory(p) ? "exists and is not a directory"
                : "already exists";
    }
}
