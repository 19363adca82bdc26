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
 * ({@code .NAME.pPID@HOST-RANDOM.tmp}), is forced to disk, renamed over the target in one atomic step, and the
 * directory is forced too (otherwise a power cut can undo the rename). If anything fails (a full disk, an I/O
 * error, an exception in the writer), the temporary file is deleted and an existing target is left exactly as
 * it was.
 *
 * <p>A process killed with {@code kill -9} cannot delete its temporary file. The temporary name carries the
 * writer's process id and host, so the next write into the directory removes this host's whose process has gone
 * ({@link #cleanStaleTemporaries}); a live writer's file is never touched. Another host's (two machines writing one
 * network folder) are removed only once a day old: a process id says nothing on another host.
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

    /**
     * Checks, before any work, that {@link #write} can put a file at {@code target}: it is not a directory, and its
     * directory exists and this process may create files in it. An application that computes or trains before
     * writing calls it first, so that a typo in the output path costs milliseconds, not the work (root passes the
     * last check everywhere and meets a read-only file system only when writing, in one line too).
     *
     * @throws FileSystemException naming {@code target} and the problem (NoSuchFileException: no such directory;
     *         AccessDeniedException: not writable)
     */
    public static void requireWritable(Path target) throws IOException {
        if (Files.isDirectory(target)) {
            throw new FileSystemException(target.toString(), null, "is a directory, not a file");
        }
        requireNoDevice(target);
        Path dir = target.toAbsolutePath().getParent();
        if (dir != null && Files.exists(dir) && !Files.isDirectory(dir)) { // -o picture.png/x.png: not "does not exist"
            throw new NoSuchFileException(target.toString(), null, dir + " is a file, not a directory");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(target.toString(), null, "output directory " + dir + " does not exist");
        }
        if (!Files.isWritable(dir)) {
            throw new java.nio.file.AccessDeniedException(target.toString(), null, "output directory " + dir
                    + " is not writable");
        }
    }

    /**
     * The path of an output <em>file</em> given as text (a command-line argument, a setting), refusing text that can
     * only mean a folder: a name ending in {@code /} (or this system's separator), or whose last part is {@code .} or
     * {@code ..}. {@link Path#of} drops a trailing separator, so {@code nodir/} would otherwise become a file
     * {@code nodir}. Refused like {@code cp} or {@code torch.save} refuse it, rather than guessing a file name:
     * the message suggests one ({@code exampleName}).
     *
     * @throws IllegalArgumentException naming the argument, why it is a folder, and a file name to give instead
     */
    public static Path outputFile(String argument, String exampleName) {
        String s = argument;
        boolean slash = s.endsWith("/") || s.endsWith(java.io.File.separator);
        String last = s.substring(Math.max(s.lastIndexOf('/'), s.lastIndexOf(java.io.File.separatorChar)) + 1);
        if (s.isEmpty() || slash || last.equals(".") || last.equals("..")) {
            String why = s.isEmpty() ? "an empty name" : slash ? "it ends in '" + s.charAt(s.length() - 1) + "': a folder"
                    : "'" + last + "' is a folder";
            String folder = s.isEmpty() ? "" : slash ? s : s + "/";
            throw new IllegalArgumentException("'" + s + "' names no file (" + why + "); this option writes one file:"
                    + " give its name, such as " + folder + exampleName);
        }
        return Path.of(s);
    }

    /**
     * Refuses a target that exists and is neither a directory nor a regular file (links followed): a device such as
     * {@code /dev/null}, a pipe, a socket. The rename that replaces an output would replace that node itself (run as
     * root, {@code -o /dev/null} made /dev/null a regular file holding a model), and a stream into it could take half
     * an output. One line naming it.
     */
    private static void requireNoDevice(Path target) throws FileSystemException {
        if (Files.exists(target) && !Files.isRegularFile(target) && !Files.isDirectory(target)) {
            throw new FileSystemException(target.toString(), null, "not a regular file (a device, a pipe or a socket):"
                    + " convnet4j replaces an output file by renaming a finished one over it, which would replace that"
                    + " node itself; give the path of a file");
        }
    }

    public static void write(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = stage(target, writer);
        boolean done = false;
        try {
            rename(target, tmp, abs);
            done = true;
            forceDirectory(abs.getParent());
        } finally {
            if (!done) {
                deleteQuietly(tmp);
            }
        }
    }

    /**
     * Writes {@code writer}'s content to a new temporary file beside {@code target} and forces it to disk; the
     * target is not touched. On failure the temporary file is deleted and the IOException names the target.
     */
    private static Path stage(Path target, Writer writer) throws IOException {
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
        requireNoDevice(target);
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
            done = true;
            return tmp;
        } finally {
            if (!done) {
                deleteQuietly(tmp);
            }
        }
    }

    /** Renames the finished {@code tmp} over {@code abs} in one step ({@code target} in messages). */
    private static void rename(Path target, Path tmp, Path abs) throws IOException {
        try {
            WriteFaults.beforeRename(abs); // the fault tests' hook, as in stage
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw failure(target, "could not rename the finished temporary file onto it", e);
        }
    }

    private static void deleteQuietly(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // the next write to this target removes it (cleanStaleTemporaries)
        }
    }

    /** A new, empty {@link Group}: files that are replaced all together or not at all. */
    public static Group group() {
        return new Group(false);
    }

    /**
     * A new, empty {@link Group} that also writes its seal ({@link GroupSeal}): the SHA-256 sums of its files, as
     * {@value GroupSeal#FILE} in their folder, renamed last. Readers that {@link GroupSeal#check} the files (and
     * {@code sha256sum -c}) then never take a mix of two groups for one, even between a kill and the next write.
     */
    public static Group sealedGroup() {
        return new Group(true);
    }

    /**
     * Several files that belong together (the outputs of one inference, say), replaced all or none: {@link #write}
     * puts each one's content in a temporary file beside its target (forced to disk; no target is touched), and
     * {@link #publish} renames them over their targets one after the other. When a rename fails, the targets
     * already replaced are put back as they were (the earlier versions are kept as hard links until every rename is
     * done; a target that did not exist is removed again), and the exception says so; should putting one back fail
     * too, it says which files are new and which are as before. {@link #close} deletes whatever was not published.
     *
     * <pre>
     *   try (AtomicFiles.Group g = AtomicFiles.group()) {
     *       g.write(dir.resolve("a.npy"), out -&gt; ...);
     *       g.write(dir.resolve("b.npy"), out -&gt; ...);
     *       g.publish();
     *   }
     * </pre>
     *
     * The files of a group are in one directory. A kill during {@link #write} leaves every target as it was (the
     * next write to one of them removes the temporaries). A kill in the middle of {@link #publish} (between its
     * renames) leaves a journal ({@code GroupJournal}) that the next write into the directory, or
     * {@link AtomicFiles#recover}, settles before anything else: the renames are finished (all files new) or, if
     * that is impossible, undone (all as before), and one line says which. Until then a reader sees the mix: a
     * sealed group ({@link AtomicFiles#sealedGroup}) also writes the files' SHA-256 sums, renamed last, which
     * {@link GroupSeal#check} holds a reader's files to.
     */
    public static final class Group implements AutoCloseable {
        private final java.util.List<Path> targets = new java.util.ArrayList<>();
        private final java.util.List<Path> staged = new java.util.ArrayList<>();
        /** The SHA-256 of each staged file's content, when sealed. */
        private final java.util.List<byte[]> sums = new java.util.ArrayList<>();
        private final boolean sealed;
        private boolean published;
        /** False: as on a file system without hard links (a test's switch); the earlier versions are not kept. */
        boolean hardLinks = true;

        private Group(boolean sealed) {
            this.sealed = sealed;
        }

        /**
         * Writes {@code target}'s new content to a temporary file (see {@link AtomicFiles#write}); on failure the
         * exception names the target and says that no file of the group was replaced.
         */
        public void write(Path target, Writer writer) throws IOException {
            if (published) {
                throw new IllegalStateException("this group is published already");
            }
            Path abs = target.toAbsolutePath();
            if (targets.stream().anyMatch(t -> t.toAbsolutePath().equals(abs))) {
                throw new IllegalArgumentException(target + " is in this group already");
            }
            if (!targets.isEmpty() && !targets.get(0).toAbsolutePath().getParent().equals(abs.getParent())) {
                throw new IllegalArgumentException(target + " is not in " + targets.get(0).toAbsolutePath().getParent()
                        + ": the files of a group share one directory (its journal's)");
            }
            if (sealed && abs.getFileName().toString().equals(GroupSeal.FILE)) {
                throw new IllegalArgumentException(target + ": that name is the group's seal");
            }
            java.security.MessageDigest sum = sealed ? Digests.sha256() : null;
            try {
                staged.add(stage(target, !sealed ? writer : out -> {
                    java.security.DigestOutputStream d = new java.security.DigestOutputStream(out, sum);
                    writer.write(d);
                    d.flush();
                }));
            } catch (IOException e) {
                throw untouched(e, -1);
            }
            targets.add(target);
            if (sealed) {
                sums.add(sum.digest());
            }
        }

        private boolean isSeal(int i) {
            return sealed && i == targets.size() - 1 && targets.get(i).getFileName().toString().equals(GroupSeal.FILE);
        }

        /** A sealed group's seal, staged as its last file (it is renamed last: the group is whole once it is). */
        private void stageSeal() throws IOException {
            Path dir = targets.get(0).toAbsolutePath().getParent();
            byte[] text = GroupSeal.text(targets.stream().map(t -> t.getFileName().toString()).toList(), sums);
            Path seal = dir.resolve(GroupSeal.FILE);
            try {
                staged.add(stage(seal, out -> out.write(text)));
            } catch (IOException e) {
                throw untouched(e, -1);
            }
            targets.add(seal);
        }

        /**
         * Renames every file written over its target: all are replaced, or (an IOException) none. With two files or
         * more, a journal is put on disk first ({@code GroupJournal}): should the process be killed between the
         * renames, the next write into that directory (or {@link AtomicFiles#recover}) finishes them.
         */
        public void publish() throws IOException {
            if (published) {
                throw new IllegalStateException("this group is published already");
            }
            if (sealed && !targets.isEmpty()) {
                stageSeal(); // on failure the group stays unpublished: close() deletes its temporaries
            }
            published = true;
            int n = targets.size();
            if (n == 0) {
                return;
            }
            Path dir = targets.get(0).toAbsolutePath().getParent();
            Path[] earlier = new Path[n]; // hard links to the versions being replaced (all but the last file's)
            boolean[] existed = new boolean[n];
            int renamed = 0;
            Path journal = null;
            // false while something other than an IOException (an Error, a test's simulated crash) can leave the
            // commit half-done: then nothing is cleaned up, the state is what a kill leaves, the journal settles it
            boolean settled = false;
            try {
                java.util.List<GroupJournal.Entry> entries = new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Path abs = targets.get(i).toAbsolutePath();
                    existed[i] = Files.exists(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    if (existed[i] && i < n - 1 && hardLinks) {
                        earlier[i] = keepEarlier(abs);
                    }
                    entries.add(new GroupJournal.Entry(abs.getFileName().toString(),
                            staged.get(i).getFileName().toString(),
                            earlier[i] == null ? null : earlier[i].getFileName().toString(), existed[i],
                            GroupJournal.key(abs), GroupJournal.key(staged.get(i))));
                }
                if (n > 1) {
                    try {
                        journal = GroupJournal.write(dir, entries);
                    } catch (IOException e) {
                        throw untouched(failure(targets.get(0), "could not write the journal of the files written"
                                + " with it", e), 0);
                    }
                }
                for (; renamed < n; renamed++) {
                    Path target = targets.get(renamed);
                    try {
                        rename(target, staged.get(renamed), target.toAbsolutePath());
                    } catch (IOException e) {
                        IOException said = putBack(e, renamed, earlier, existed);
                        if (journal != null) {
                            GroupJournal.remove(journal); // settled here: put back, or the message says what is what
                        }
                        throw said;
                    }
                    WriteFaults.afterRename(target.toAbsolutePath());
                }
                forceDirectory(dir);
                if (journal != null) {
                    GroupJournal.remove(journal);
                }
                settled = true;
            } catch (IOException e) {
                settled = true;
                throw e;
            } finally {
                if (settled) {
                    for (int i = renamed; i < n; i++) {
                        deleteQuietly(staged.get(i));
                    }
                    for (Path p : earlier) {
                        if (p != null) {
                            deleteQuietly(p);
                        }
                    }
                }
            }
        }

        /** Deletes the temporary files of a group that was not published. */
        @Override
        public void close() {
            if (!published) {
                staged.forEach(AtomicFiles::deleteQuietly);
                published = true;
            }
        }

        /** A hard link to {@code abs} under a temporary name (removed as stale should this process be killed). */
        private static Path keepEarlier(Path abs) {
            Path link = abs.getParent().resolve(temporaryName(abs.getFileName().toString()));
            try {
                return Files.createLink(link, abs);
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                return null; // no hard links here: should a later rename fail, this one is reported as new
            }
        }

        /**
         * Puts the earlier version kept as hard link {@code link} back at {@code abs} (one rename): the same file
         * (file key, size, modification time) as before the commit, so its change time is made later than it was
         * ({@link GroupSeal#changedAfter}): a reader that stamped it before the commit and read the new content
         * between the renames is refused at its {@link GroupSeal.Check#confirm}, not handed bytes of a group that
         * was never published.
         */
        static void restore(Path link, Path abs) throws IOException {
            java.nio.file.attribute.FileTime before = GroupSeal.changeTime(link);
            Files.move(link, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            GroupSeal.changedAfter(abs, before);
        }

        /** Undoes the renames before {@code failed}; the exception says what each file now holds. */
        private IOException putBack(IOException e, int failed, Path[] earlier, boolean[] existed) {
            java.util.List<String> stillNew = new java.util.ArrayList<>();
            for (int i = failed - 1; i >= 0; i--) {
                Path abs = targets.get(i).toAbsolutePath();
                try {
                    WriteFaults.beforePutBack(abs); // the fault tests' hook
                    if (!existed[i]) {
                        Files.delete(abs);
                    } else if (earlier[i] != null) {
                        restore(earlier[i], abs);
                        earlier[i] = null;
                    } else {
                        stillNew.add(0, targets.get(i).getFileName().toString());
                    }
                } catch (IOException | UnsupportedOperationException putBackFailed) {
                    stillNew.add(0, targets.get(i).getFileName().toString());
                }
            }
            if (stillNew.isEmpty()) {
                return untouched(e, failed);
            }
            java.util.List<String> before = new java.util.ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                Path t = targets.get(i);
                if (!stillNew.contains(t.getFileName().toString()) && !isSeal(i)) {
                    before.add(t.getFileName().toString());
                }
            }
            int files = targets.size() - (isSeal(targets.size() - 1) ? 1 : 0);
            IOException mixed = new IOException(e.getMessage() + "; of the " + files + " files written together, "
                    + String.join(", ", stillNew) + (stillNew.size() == 1 ? " is" : " are") + " new and "
                    + String.join(", ", before) + (before.size() == 1 ? " is" : " are") + " as before", e);
            mixed.setStackTrace(e.getStackTrace());
            return mixed;
        }

        /** {@code e} (naming target {@code failed}, or a file not yet in the group), adding that the others are as before. */
        private IOException untouched(IOException e, int failed) {
            java.util.List<String> names = new java.util.ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                if (i != failed && !isSeal(i)) { // the seal is the group's own: messages name the caller's files
                    names.add(targets.get(i).getFileName().toString());
                }
            }
            if (names.isEmpty()) {
                return e;
            }
            IOException all = new IOException(e.getMessage() + ", and so " + (names.size() == 1 ? "is " : "are ")
                    + String.join(", ", names) + ", written with it", e);
            all.setStackTrace(e.getStackTrace());
            return all;
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
     * Settles the group commits ({@link Group#publish}) in {@code dir} that a killed process left half-done: finishes
     * their renames (or, if that is impossible, undoes them), one WARNING line each (logger
     * {@code org.convnet4j.files}), which are returned. Every write into a directory does this first; call it before
     * reading files written as a group. Never throws.
     */
    public static java.util.List<String> recover(Path dir) {
        return GroupJournal.any(dir) ? GroupJournal.recover(dir, false) : java.util.List.of();
    }

    /**
     * Deletes temporary files of earlier writes that were interrupted (process killed) in {@code target}'s directory:
     * those of any target there made on this host ({@code .NAME.pPID@HOST-N.tmp}) whose process no longer runs (a
     * killed run that wrote other files, {@code output_2.pb} or another model name, leaves no garbage behind either);
     * those of another host, or of the older form that names none ({@code .NAME.pPID-N.tmp}), once untouched for a
     * day (system property {@code convnet4j.files.otherHostsStaleAfter}, an ISO-8601 duration, changes that); and
     * old-style ones of {@code target} ({@code .NAME.DIGITS.tmp}) older than {@link #LEGACY_STALE_AFTER}. Returns how many were
     * removed. Never throws: cleaning up is a courtesy, not part of the write.
     */
    public static int cleanStaleTemporaries(Path target) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || abs.getFileName() == null) {
            return 0;
        }
        String prefix = "." + stem(abs.getFileName().toString()) + ".";
        Pattern anyTarget = Pattern.compile("\\..+\\.p\\d{1,19}(?:@" + WriterId.HOST_REGEX + ")?-\\d+\\.tmp"); // any target
        Pattern legacy = Pattern.compile("\\d+\\.tmp");
        int removed = 0;
        java.util.List<Path> found = new java.util.ArrayList<>();
        boolean journal = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return (n.startsWith(prefix) && n.endsWith(".tmp")) || anyTarget.matcher(n).matches()
                    || (n.startsWith(GroupJournal.PREFIX) && n.endsWith(GroupJournal.SUFFIX));
        })) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (n.startsWith(GroupJournal.PREFIX) && n.endsWith(GroupJournal.SUFFIX)) {
                    journal = true;
                } else {
                    found.add(p);
                }
            }
        } catch (IOException | SecurityException | java.nio.file.DirectoryIteratorException e) {
            return removed;
        }
        if (journal) { // first: a half-done group's temporaries are its new content, not garbage
            GroupJournal.recover(dir, false);
            if (GroupJournal.any(dir)) {
                return 0; // one not settled yet (its process runs, or a rename failed): keep every temporary
            }
        }
        try {
            for (Path p : found) {
                String n = p.getFileName().toString();
                String rest = n.startsWith(prefix) ? n.substring(prefix.length()) : "";
                WriterId writer = WriterId.ofTemporary(n);
                boolean stale;
                if (writer != null) {
                    stale = writer.gone(p); // another host's (or of no named host) only once a day old
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
        return temporaryName(targetName, WriterId.self());
    }

    /** The name of a new temporary of {@code targetName} as {@code writer} makes it (tests: another host's). */
    static String temporaryName(String targetName, WriterId writer) {
        return "." + stem(targetName) + "." + writer.tag() + "-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE) + ".tmp";
    }

    /**
     * The start of the names of the temporary files that process {@code pid} of this host gives {@code targetName}
     * ({@code .NAME.pPID@HOST-}; a random number and {@code .tmp} follow). For tools and tests that look for them.
     */
    public static String temporaryPrefix(String targetName, long pid) {
        return "." + stem(targetName) + "." + new WriterId(pid, WriterId.localHost()).tag() + "-";
    }

    /**
     * Longest stem in UTF-8 bytes: with ".", ".p" + a 20-digit pid, "@" + a 32-character host, "-" + 19 digits and
     * ".tmp", 250 <= NAME_MAX (255).
     */
    static final int MAX_STEM_BYTES = 170;
    /** The longest stem of the older names, without a host (a journal of an earlier version names them). */
    static final int MAX_STEM_BYTES_BEFORE_HOSTS = 190;

    /**
     * The target's name as it appears in its temporary files: the name itself, or for a name too long to carry
     * the temporary suffix within the file system's 255-byte limit, its first bytes (whole characters) and
     * {@code ~} and 8 hex digits of its SHA-256, so that different long names still get different temporaries.
     */
    static String stem(String targetName) {
        return stem(targetName, MAX_STEM_BYTES);
    }

    /** {@link #stem} with at most {@code maxBytes} (the older names' limit was larger). */
    static String stem(String targetName, int maxBytes) {
        byte[] utf8 = targetName.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= maxBytes) {
            return targetName;
        }
        StringBuilder b = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < targetName.length(); ) {
            int cp = targetName.codePointAt(i);
            int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + n > maxBytes - 9) {
                break;
            }
            b.appendCodePoint(cp);
            bytes += n;
            i += Character.charCount(cp);
        }
        return b + "~" + Digests.sha256Hex(utf8).substring(0, 8);
    }

    /** Makes the rename durable: on Linux a directory can be opened for reading and forced. */
    static void forceDirectory(Path dir) {
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
            reason = FileProblems.reason(fse); // the JDK's exception carries only the path: its type, in words
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
