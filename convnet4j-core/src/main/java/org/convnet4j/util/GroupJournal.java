package org.convnet4j.util;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The intent record that makes an {@link AtomicFiles.Group}'s commit crash-consistent, as a database's journal or
 * git's lock files do. Before the first of the group's renames, {@link #write} puts in the directory a small file
 * ({@code .convnet4j-group.pPID@HOST-RANDOM.journal}, forced to disk with the directory) that lists, for every file of
 * the group, its target, its finished temporary file, the hard link that keeps the earlier version (if any), and
 * the file keys (device and inode) of the earlier and the new content. Once it is on disk the group counts as
 * committed; it is deleted after the last rename.
 *
 * <p>A process killed between the renames leaves the journal. {@link #recover} (run before any write into that
 * directory, and by {@link AtomicFiles#recover}) finds it once its process is gone (another host's: once the journal
 * is a day old) and finishes the commit: every
 * temporary still there is renamed over its target, so all the files hold the new content. A commit that cannot
 * be finished (a kill while a failed rename was being undone: some new content is gone) is undone instead, from
 * the hard links, so all hold the earlier content. Either way it says so in one line (a WARNING of logger
 * {@code org.convnet4j.files}: a stderr line in the CLI). A journal cut short (the process died while writing it)
 * means no rename had started: it is deleted, and the temporaries go as stale ones do.
 *
 * <p>A journal is untrusted input like any file in the directory: it can name only files of that directory, and
 * only temporaries of its own process (by their name), so it cannot rename anything else.
 */
final class GroupJournal {
    static final String PREFIX = ".convnet4j-group.p";
    static final String SUFFIX = ".journal";
    private static final String MAGIC = "convnet4j group journal 1";
    /** A journal is a few lines per file; anything larger is not one of ours. */
    private static final long MAX_BYTES = 1 << 20;
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d{1,19})(?:@(" + WriterId.HOST_REGEX + "))?-\\d+"
            + Pattern.quote(SUFFIX));
    private static final System.Logger LOG = System.getLogger("org.convnet4j.files");

    private GroupJournal() {
    }

    /** One file of a group: names within the directory; keys as {@link #key} gives them. */
    record Entry(String target, String temporary, String earlier, boolean existed, String oldKey, String newKey) {
    }

    /** The file key (device and inode) of {@code p} itself (a link is not followed), "-" if absent, "?" if unknown. */
    static String key(Path p) {
        try {
            Object k = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return k == null ? "?" : k.toString().replaceAll("[\\s\\t]", "");
        } catch (NoSuchFileException e) {
            return "-";
        } catch (IOException | SecurityException e) {
            return "?";
        }
    }

    /** Writes the journal of {@code entries} into {@code dir} and forces it and the directory to disk. */
    static Path write(Path dir, List<Entry> entries) throws IOException {
        return write(dir, entries, WriterId.self());
    }

    /** As {@link #write(Path, List)}, as process {@code self} would (tests: another host's, an earlier version's). */
    static Path write(Path dir, List<Entry> entries, WriterId self) throws IOException {
        StringBuilder b = new StringBuilder(MAGIC).append('\n');
        b.append("process ").append(self.pid()).append(' ').append((self.isSelf() ? startOf(ProcessHandle.current())
                : Optional.<Instant>empty()).map(Instant::toString).orElse("-"))
                .append(self.host() == null ? "" : " " + self.host()).append('\n');
        for (Entry e : entries) {
            b.append("file ").append(escape(e.target())).append('\t').append(escape(e.temporary())).append('\t')
                    .append(e.earlier() == null ? "-" : escape(e.earlier())).append('\t').append(e.existed() ? 1 : 0)
                    .append('\t').append(e.oldKey()).append('\t').append(e.newKey()).append('\n');
        }
        CRC32 crc = new CRC32();
        crc.update(b.toString().getBytes(StandardCharsets.UTF_8));
        b.append("end ").append(Long.toHexString(crc.getValue())).append('\n');
        Path journal = dir.resolve(".convnet4j-group." + self.tag() + "-"
                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE) + SUFFIX);
        boolean done = false;
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(journal);
            }
        }
        AtomicFiles.forceDirectory(dir); // the journal must be on disk before the first rename is
        return journal;
    }

    /** Deletes a finished group's journal (the group's renames are on disk: the directory was forced before). */
    static void remove(Path journal) {
        try {
            Files.deleteIfExists(journal);
        } catch (IOException ignored) {
            // its renames are all done: the next recovery finds every file renamed and only deletes it
        }
        AtomicFiles.forceDirectory(journal.getParent());
    }

    /** Whether {@code dir} holds a journal at all (one cheap scan, done before every write into it). */
    static boolean any(Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            return s.iterator().hasNext();
        } catch (IOException | SecurityException | java.nio.file.DirectoryIteratorException e) {
            return false;
        }
    }

    /**
     * Finishes (or else undoes) the group commits in {@code dir} whose process was killed; one WARNING line each.
     * Returns those lines. A journal of a live process (another process committing right now) is left alone,
     * unless {@code ownProcessToo} and it is this process's (a test's simulated crash). So is another host's (or an
     * earlier version's, which names no host) until it is {@link WriterId#OTHER_HOSTS_STALE_AFTER} old: this host
     * cannot tell whether that process still runs. Never throws.
     */
    static List<String> recover(Path dir, boolean ownProcessToo) {
        List<String> said = new ArrayList<>();
        for (Named named : journals(dir)) {
            Path journal = named.path();
            WriterId id = named.id();
            if (id.isSelf() && !ownProcessToo) {
                continue;
            }
            Parsed p = parse(journal, id);
            if (p != null && !id.isSelf() && running(id, p.started(), journal)) {
                continue;
            }
            if (p == null) {
                if (!id.isSelf() && (id.onThisHost() ? ProcessHandle.of(id.pid()).map(ProcessHandle::isAlive).orElse(false)
                        : !WriterId.untouchedFor(journal, WriterId.otherHostsStaleAfter()))) {
                    continue; // being written right now, perhaps
                }
                // cut short or not ours: no rename had started (they start once it is whole on disk)
                deleteQuietly(journal);
                continue;
            }
            String line = settle(dir, journal, id, p.entries());
            if (line != null) {
                LOG.log(System.Logger.Level.WARNING, line);
                said.add(line);
            }
        }
        return said;
    }

    /**
     * A group commit under way or cut off in a folder: its process and host (null: a journal of an earlier version,
     * which named none), whether that may still run, the files it replaces. {@code otherHost}: the process is not
     * of this host, so whether it runs is a guess by the journal's age.
     */
    record Pending(long pid, String host, boolean otherHost, boolean running, List<String> targets) {
    }

    /** The group commits whose journal is in {@code dir} and whole (a journal cut short started no rename). */
    static List<Pending> pending(Path dir) {
        List<Pending> found = new ArrayList<>();
        for (Named named : journals(dir)) {
            WriterId id = named.id();
            Parsed p = parse(named.path(), id);
            if (p != null) {
                boolean running = id.isSelf() || running(id, p.started(), named.path());
                found.add(new Pending(id.pid(), id.host(), !id.onThisHost(), running,
                        p.entries().stream().map(Entry::target).toList()));
            }
        }
        return found;
    }

    /**
     * Whether the process that wrote {@code journal} may still run: of this host, it runs and started when the journal
     * says (else the id was reused); of another host or none named, the journal is younger than a day.
     */
    private static boolean running(WriterId id, Instant started, Path journal) {
        return id.onThisHost() ? alive(id.pid(), started)
                : !WriterId.untouchedFor(journal, WriterId.otherHostsStaleAfter());
    }

    /** A journal file in a folder and the process (and host) its name gives. */
    private record Named(Path path, WriterId id) {
    }

    /**
     * The journal files of {@code dir} whose names are well formed and that are regular files (not links), in name
     * order; those listed before an error if the folder cannot be read to the end.
     */
    private static List<Named> journals(Path dir) {
        List<Named> found = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            for (Path journal : s) {
                Matcher m = NAME.matcher(journal.getFileName().toString());
                if (m.matches() && Files.isRegularFile(journal, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        found.add(new Named(journal, new WriterId(Long.parseLong(m.group(1)), m.group(2))));
                    } catch (NumberFormatException e) {
                        // digits beyond a long: not a process of this machine
                    }
                }
            }
        } catch (IOException | SecurityException | java.nio.file.DirectoryIteratorException e) {
            // keep what was listed
        }
        found.sort(java.util.Comparator.comparing(Named::path));
        return found;
    }

    private record Parsed(Instant started, List<Entry> entries) {
    }

    /** The journal's content, or null unless it is whole (its checksum right) and names only what it may. */
    private static Parsed parse(Path journal, WriterId id) {
        String text;
        try {
            if (Files.size(journal) > MAX_BYTES) {
                return null;
            }
            text = Files.readString(journal, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        int end = text.lastIndexOf("end ");
        if (!text.startsWith(MAGIC + "\n") || end < 0 || !text.endsWith("\n") || (end > 0 && text.charAt(end - 1) != '\n')) {
            return null;
        }
        CRC32 crc = new CRC32();
        crc.update(text.substring(0, end).getBytes(StandardCharsets.UTF_8));
        if (!text.substring(end + 4, text.length() - 1).equals(Long.toHexString(crc.getValue()))) {
            return null;
        }
        String[] lines = text.substring(0, end).split("\n");
        if (lines.length < 3 || !lines[1].startsWith("process ")) {
            return null;
        }
        String[] proc = lines[1].split(" ");
        // "process PID START HOST"; an earlier version's journal (its name has no host) has no HOST
        if (proc.length != (id.host() == null ? 3 : 4) || !proc[1].equals(Long.toString(id.pid()))
                || (id.host() != null && !proc[3].equals(id.host()))) {
            return null;
        }
        Instant started = null;
        try {
            started = proc[2].equals("-") ? null : Instant.parse(proc[2]);
        } catch (RuntimeException e) {
            return null;
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 2; i < lines.length; i++) {
            if (!lines[i].startsWith("file ")) {
                return null;
            }
            String[] f = lines[i].substring(5).split("\t", -1);
            if (f.length != 6) {
                return null;
            }
            String target = unescape(f[0]);
            String tmp = unescape(f[1]);
            String earlier = f[2].equals("-") ? null : unescape(f[2]);
            if (target == null || tmp == null || (earlier == null && !f[2].equals("-")) || !plainName(target)
                    || !temporaryOf(tmp, target, id) || (earlier != null && !temporaryOf(earlier, target, id))
                    || !(f[3].equals("0") || f[3].equals("1"))) {
                return null;
            }
            entries.add(new Entry(target, tmp, earlier, f[3].equals("1"), f[4], f[5]));
        }
        return new Parsed(started, entries);
    }

    /** A file name of the directory itself: no separator, not "." or "..". */
    private static boolean plainName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0
                && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }

    /** Whether {@code name} is a temporary file of {@code target} made by process {@code id}. */
    private static boolean temporaryOf(String name, String target, WriterId id) {
        return temporaryOf(name, target, id, AtomicFiles.stem(target)) || (id.host() == null
                && temporaryOf(name, target, id, AtomicFiles.stem(target, AtomicFiles.MAX_STEM_BYTES_BEFORE_HOSTS)));
    }

    private static boolean temporaryOf(String name, String target, WriterId id, String stem) {
        String prefix = "." + stem + "." + id.tag() + "-";
        return name.startsWith(prefix) && name.endsWith(".tmp")
                && name.substring(prefix.length(), name.length() - 4).matches("\\d{1,19}");
    }

    private static boolean alive(long pid, Instant started) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return false;
        }
        Optional<Instant> now = startOf(h.get());
        return started == null || now.isEmpty() || now.get().equals(started); // else: the pid was reused
    }

    private static Optional<Instant> startOf(ProcessHandle h) {
        try {
            return h.info().startInstant();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Finishes or undoes one group; returns its line (null when there was nothing to say). */
    private static String settle(Path dir, Path journal, WriterId id, List<Entry> entries) {
        int n = entries.size();
        boolean[] renamed = new boolean[n];
        boolean[] pending = new boolean[n];
        boolean[] asBefore = new boolean[n];
        boolean[] restorable = new boolean[n];
        boolean forward = true;
        boolean backward = true;
        int done = 0;
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            Path target = dir.resolve(e.target());
            Path tmp = dir.resolve(e.temporary());
            String now = key(target);
            boolean tmpThere = Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS)
                    && (e.newKey().equals("?") || key(tmp).equals(e.newKey()));
            renamed[i] = !tmpThere && (e.newKey().equals("?") ? !now.equals("-") : now.equals(e.newKey()));
            pending[i] = tmpThere;
            asBefore[i] = !renamed[i] && (e.existed() ? !e.oldKey().equals("?") && now.equals(e.oldKey()) : now.equals("-"));
            restorable[i] = renamed[i] && (!e.existed() || (e.earlier() != null && !e.oldKey().equals("?")
                    && key(dir.resolve(e.earlier())).equals(e.oldKey())));
            forward &= renamed[i] || pending[i];
            backward &= asBefore[i] || restorable[i];
            done += renamed[i] ? 1 : 0;
        }
        List<String> names = entries.stream().map(e -> TerminalText.escape(e.target())).toList();
        String what = dir + ": process " + id.pid() + (id.onThisHost() ? "" : id.host() == null ? " (of an earlier version)"
                : " on host " + id.host()) + " was stopped while replacing " + String.join(", ", names)
                + " together (" + done + " of " + n + " replaced)";
        try {
            if (forward) {
                for (int i = 0; i < n; i++) {
                    if (pending[i]) {
                        Files.move(dir.resolve(entries.get(i).temporary()), dir.resolve(entries.get(i).target()),
                                StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                AtomicFiles.forceDirectory(dir);
                finish(dir, journal, entries);
                return what + "; finished it: " + (n == 2 ? "both" : "all " + n) + " now hold that run's new content";
            }
            if (backward) {
                for (int i = n - 1; i >= 0; i--) {
                    Entry e = entries.get(i);
                    if (restorable[i]) {
                        if (e.existed()) {
                            AtomicFiles.Group.restore(dir.resolve(e.earlier()), dir.resolve(e.target()));
                        } else {
                            Files.deleteIfExists(dir.resolve(e.target()));
                        }
                    }
                }
                AtomicFiles.forceDirectory(dir);
                finish(dir, journal, entries);
                return what + "; undid it (its new content was partly gone): " + (n == 2 ? "both" : "all " + n)
                        + " are as before that run";
            }
        } catch (IOException | RuntimeException failed) {
            return what + "; could not settle it (" + failed.getMessage() + "); will try again on the next write here";
        }
        List<String> fresh = new ArrayList<>();
        List<String> old = new ArrayList<>();
        List<String> other = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            (renamed[i] ? fresh : asBefore[i] ? old : other).add(names.get(i));
        }
        finish(dir, journal, entries);
        return what + "; could neither finish nor undo it: " + describe(fresh, "new") + describe(old, "as before")
                + describe(other, "changed since by something else");
    }

    private static String describe(List<String> names, String what) {
        return names.isEmpty() ? "" : String.join(", ", names) + (names.size() == 1 ? " is " : " are ") + what + "; ";
    }

    /** Deletes the journal (forcing the directory), then the group's temporaries and hard links still there. */
    private static void finish(Path dir, Path journal, List<Entry> entries) {
        remove(journal);
        for (Entry e : entries) {
            deleteQuietly(dir.resolve(e.temporary()));
            if (e.earlier() != null) {
                deleteQuietly(dir.resolve(e.earlier()));
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException | SecurityException ignored) {
            // a stale temporary: the next write to its target removes it
        }
    }

    /** Percent-encodes what would break a line or a field (names may hold any character but '/' and NUL). */
    static String escape(String name) {
        StringBuilder b = new StringBuilder();
        for (char c : name.toCharArray()) {
            if (c == '%' || c == '\t' || c == '\n' || c == '\r') {
                b.append('%').append(String.format("%02X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The inverse of {@link #escape}; null for a malformed escape. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                b.append(c);
                continue;
            }
            if (i + 2 >= s.length()) {
                return null;
            }
            try {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
            } catch (NumberFormatException e) {
                return null;
            }
            i += 2;
        }
        return b.toString();
    }
}
