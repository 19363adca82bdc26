package org.convnet4j.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way convnet4j writes a file, so that a reader never sees a half-written one and a failure never
 * costs the previous version: the content goes to a temporary file in the same directory
 * ({@code .NAME.pPID-RANDOM.tmp}), is forced to disk, renamed over the target in one atomic step, and the
 * directory is forced too (otherwise a power cut can undo the rename). If anything fails (a full disk, an I/O
 * error, an exception in the writer), the temporary file is deleted and an existing target is left exactly as
 * it was.
 *
 * <p>A process killed with {@code kill -9} cannot delete its temporary file. The temporary name carries the
 * writer's process id, so the next write to the same target removes the ones whose process has gone
 * ({@link #cleanStaleTemporaries}); a live writer's file is never touched.
 *
 * <p>The fault tests stop a write at a chosen byte (a kill, a full disk) with {@code -Dconvnet4j.faults.write}
 * (see {@code WriteFaults}); it is off unless that property is set.
 */
public final class AtomicFiles {
    /** Temporary files of the older naming ({@code .NAME.DIGITS.tmp}) are removed once they are this old. */
    static final Duration LEGACY_STALE_AFTER = Duration.ofHours(1);

    private AtomicFiles() {
    }

    /** Something that writes the whole content to a stream. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    public static void write(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null && Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new FileSystemException(target.toString(), null, dir + " is a file, not a directory");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(target.toString(), null, "output directory " + dir + " does not exist");
        }
        if (Files.isDirectory(abs)) {
            throw new FileSystemException(target.toString(), null, "is a directory, not a file");
        }
        cleanStaleTemporaries(abs);
        Path tmp;
        try {
            tmp = Files.createFile(dir.resolve(temporaryName(abs.getFileName().toString())));
        } catch (IOException e) {
            throw failure(target, "could not create a temporary file in " + dir, e);
        }
        boolean done = false;
        try {
            keepUsualPermissions(tmp, abs);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = WriteFaults.around(abs, Channels.newOutputStream(ch))) {
                writer.write(out);
                out.flush();
                WriteFaults.end(out); // the fault tests' hook; nothing unless -Dconvnet4j.faults.write names this file
                ch.force(true); // the rename must not reach the disk before the content does
            } catch (IOException e) {
                throw failure(target, "could not write", e);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw failure(target, "could not rename the finished temporary file onto it", e);
            }
            done = true;
            forceDirectory(dir);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the next write to this target removes it (cleanStaleTemporaries)
                }
            }
        }
    }

    /**
     * Puts a file that was written elsewhere in {@code target}'s directory (a resumable download's {@code .part})
     * in place the way {@link #write} does: its content forced to disk, renamed over the target in one step, the
     * directory forced. On failure the finished file stays where it was and the target is unchanged.
     */
    public static void commit(Path finished, Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        if (!abs.getParent().equals(finished.toAbsolutePath().getParent())) {
            throw new IllegalArgumentException(finished + " is not in " + abs.getParent() + ": a rename across"
                    + " directories may not be atomic");
        }
        try (FileChannel ch = FileChannel.open(finished, StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (IOException e) {
            throw failure(target, "could not force " + finished.getFileName() + " to disk", e);
        }
        try {
            Files.move(finished, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(finished, abs, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw failure(target, "could not rename " + finished.getFileName() + " onto it", e);
        }
        forceDirectory(abs.getParent());
    }

    /** Copies {@code source} onto {@code target} through {@link #write}: an existing target survives any failure. */
    public static void copy(Path source, Path target) throws IOException {
        try (InputStream in = Files.newInputStream(source)) {
            write(target, in::transferTo);
        } catch (NoSuchFileException e) {
            if (source.toString().equals(e.getFile())) {
                throw new NoSuchFileException(source.toString(), null, "cannot copy to " + target + ": no such file");
            }
            throw e;
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Deletes temporary files of earlier writes to {@code target} that were interrupted (process killed): those
     * whose process id no longer runs, and old-style ones older than {@link #LEGACY_STALE_AFTER}. Returns how
     * many were removed. Never throws: cleaning up is a courtesy, not part of the write.
     */
    public static int cleanStaleTemporaries(Path target) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || abs.getFileName() == null) {
            return 0;
        }
        String prefix = "." + stem(abs.getFileName().toString()) + ".";
        Pattern ours = Pattern.compile("p(\\d+)-\\d+\\.tmp");
        Pattern legacy = Pattern.compile("\\d+\\.tmp");
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(".tmp");
        })) {
            for (Path p : entries) {
                String rest = p.getFileName().toString().substring(prefix.length());
                Matcher m = ours.matcher(rest);
                boolean stale;
                if (m.matches()) {
                    long pid;
                    try {
                        pid = Long.parseLong(m.group(1));
                    } catch (NumberFormatException e) {
                        continue;
                    }
                    stale = pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
                } else if (legacy.matcher(rest).matches()) {
                    FileTime t = Files.getLastModifiedTime(p);
                    stale = t.toInstant().isBefore(Instant.now().minus(LEGACY_STALE_AFTER));
                } else {
                    continue;
                }
                if (stale && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.deleteIfExists(p);
                        removed++;
                    } catch (IOException ignored) {
                        // read-only directory or a race with another cleaner: leave it
                    }
                }
            }
        } catch (IOException | SecurityException e) {
            return removed;
        }
        return removed;
    }

    static String temporaryName(String targetName) {
        return "." + stem(targetName) + ".p" + ProcessHandle.current().pid() + "-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE) + ".tmp";
    }

    /** Longest stem in UTF-8 bytes: with ".", ".p" + a 20-digit pid, "-" + 19 digits and ".tmp", 237 <= NAME_MAX (255). */
    static final int MAX_STEM_BYTES = 190;

    /**
     * The target's name as it appears in its temporary files: the name itself, or for a name too long to carry
     * the temporary suffix within the file system's 255-byte limit, its first bytes (whole characters) and
     * {@code ~} and 8 hex digits of its SHA-256, so that different long names still get different temporaries.
     */
    static String stem(String targetName) {
        byte[] utf8 = targetName.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= MAX_STEM_BYTES) {
            return targetName;
        }
        StringBuilder b = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < targetName.length(); ) {
            int cp = targetName.codePointAt(i);
            int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + n > MAX_STEM_BYTES - 9) {
                break;
            }
            b.appendCodePoint(cp);
            bytes += n;
            i += Character.charCount(cp);
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(utf8);
            return b + "~" + java.util.HexFormat.of().formatHex(digest, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** Makes the rename durable: on Linux a directory can be opened for reading and forced. */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows and some file systems cannot open a directory; the rename itself has happened
        }
    }

    /** An IOException that names the target and the cause (a JDK FileSystemException often carries only a path). */
    private static IOException failure(Path target, String what, IOException thrown) {
        IOException cause = rootCause(thrown);
        String reason = cause instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason()
                : cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        if (cause instanceof FileSystemException fse && fse.getReason() == null && fse.getFile() != null
                && reason.equals(fse.getFile())) {
            // the JDK's exception carries only the path: its type is the reason, in words
            reason = cause instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : cause instanceof NoSuchFileException ? "no such file or directory"
                    : cause instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                    : cause instanceof java.nio.file.NotDirectoryException ? "not a directory"
                    : cause.getClass().getSimpleName();
        }
        IOException e = new IOException(target + ": " + what + " (" + reason + "); any earlier " + target.getFileName()
                + " is unchanged", thrown);
        return e;
    }

    /**
     * The IOException that started it: ImageIO wraps a full disk in "I/O error writing PNG file!", which says
     * neither what failed nor why; the disk's own words are in the innermost IOException of the chain.
     */
    private static IOException rootCause(IOException thrown) {
        IOException root = thrown;
        Throwable t = thrown.getCause();
        for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) { // a cause chain can be a cycle
            if (t instanceof IOException io && (io.getMessage() != null || io instanceof FileSystemException)) {
                root = io;
            }
        }
        return root;
    }

    /**
     * createTempFile makes owner-only files (0600); a result file should be readable like any other file the
     * user creates: keep the permissions of the file being replaced, else rw-r--r--.
     */
    private static void keepUsualPermissions(Path tmp, Path target) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.exists(target)
                    ? Files.getPosixFilePermissions(target)
                    : PosixFilePermissions.fromString("rw-r--r--");
            Files.setPosixFilePermissions(tmp, perms);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system (Windows): its defaults are fine
        }
    }
}
