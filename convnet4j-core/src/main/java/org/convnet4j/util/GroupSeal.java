package org.convnet4j.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The seal of files written together ({@link AtomicFiles#sealedGroup}): a list of their SHA-256 sums,
 * {@value #FILE}, in {@code sha256sum}'s format, written into their folder as the group's last file (its last
 * rename). It is what a reader can rely on without trusting timing: a file the seal lists is part of one complete
 * group when its bytes have the listed sum; between the first and the last rename of a group (a kill there, or a
 * run still going) the seal is the earlier group's, so a file already replaced no longer matches it, and the
 * group's journal names every file being replaced. Any program can check a folder with
 * {@code sha256sum -c convnet4j-outputs.sha256} run in it.
 *
 * <p>{@link #check} is the reader's side: before reading files it refuses, in one line naming the file, one that a
 * journal names (being replaced, or left half-replaced by a killed run) or whose bytes differ from its folder's
 * seal; {@link Check#confirm} after reading refuses a file or seal that was replaced meanwhile. Files the seal does
 * not list, and folders without a seal or journal (files written otherwise), are not checked.
 *
 * <pre>
 *   GroupSeal.Check seal = GroupSeal.check(files);   // IOException: a file of a half-replaced group
 *   ... read the files ...
 *   seal.confirm();                                  // IOException: one was replaced while being read
 * </pre>
 */
public final class GroupSeal {
    /** The seal's file name, in the folder of the files it lists. */
    public static final String FILE = "convnet4j-outputs.sha256";
    /** A seal is a line per file; anything larger is not one convnet4j wrote. */
    static final long MAX_BYTES = 1 << 20;
    private static final Pattern LINE = Pattern.compile("([0-9a-f]{64}) [ *](.+)");

    private GroupSeal() {
    }

    /** The seal's text for {@code names} (plain file names of one folder) and their SHA-256 sums, in that order. */
    static byte[] text(List<String> names, List<byte[]> sums) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0 || name.indexOf('\\') >= 0) {
                throw new IllegalArgumentException(name + ": a name with a line break or a backslash cannot be sealed");
            }
            b.append(Digests.hex(sums.get(i))).append("  ").append(name).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Checks {@code files} before they are read: none is named by a group journal in its folder, and each one its
     * folder's seal lists has the listed SHA-256 sum (one seal read per folder, so that files of one folder are all
     * checked against the same group). As {@link #check(List, Pattern)} without a family of names.
     *
     * @throws IOException one line starting with the file: being replaced (the process running, or killed mid-way),
     *                     not matching the seal, or the seal not readable as one
     */
    public static Check check(List<Path> files) throws IOException {
        return check(files, null);
    }

    /**
     * As {@link #check(List)}, and in a folder with a seal a file whose name matches {@code family} (the names the
     * writer of those groups gives its files, such as {@code output_N.pb}; null: none) but which the seal does not
     * list is refused too: it is left over from an earlier group (a run with more outputs, or in another format),
     * which the seal does not vouch for.
     *
     * <p>Every file's identity and version (file key, size, modification and, where the platform tells it, change
     * time) is taken before the journals are looked for, and {@link Check#confirm} compares them after the read: a
     * group commit that replaces a file after the check, and one that fails and puts the earlier file back
     * ({@link AtomicFiles.Group#publish} makes the put-back's change time differ), is refused rather than read.
     *
     * @throws IOException one line starting with the file: being replaced (the process running, or killed mid-way),
     *                     not matching the seal, left over from an earlier group, or the seal not readable as one
     */
    public static Check check(List<Path> files, Pattern family) throws IOException {
        return check(files, family, null);
    }

    /**
     * What a reader takes of one file, told to {@link #check(List, Pattern, SizeLimit)} so that a file the reader
     * would refuse for its size is refused before it is hashed against the seal (hashing is bounded in memory, not in
     * time: a listed file of 50 GB took minutes to be refused).
     */
    @FunctionalInterface
    public interface SizeLimit {
        /** Throws (one line naming {@code file}) when the reader would refuse a file of {@code bytes}. */
        void require(Path file, long bytes) throws IOException;
    }

    /**
     * As {@link #check(List, Pattern)}, and each file the seal lists is first held to {@code limit} (null: none) with
     * its size; it is then hashed no further than that size (a file grown meanwhile was replaced: refused).
     */
    public static Check check(List<Path> files, Pattern family, SizeLimit limit) throws IOException {
        Map<Path, Stamp> stamps = new LinkedHashMap<>();
        List<Path> absent = new ArrayList<>();
        List<Path> reals = new ArrayList<>(files.size());
        for (Path file : files) { // first: a commit that starts after this has its journal seen below, or changes these
            Path abs = real(file);
            reals.add(abs);
            Path given = file.toAbsolutePath();
            Stamp link = given.equals(abs) ? null : Stamp.of(given);
            if (link != null) { // a link: led elsewhere meanwhile is a replacement too
                stamps.put(given, link);
            }
            Stamp s = Stamp.of(abs);
            if (s != null) {
                stamps.put(abs, s);
            } else {
                absent.add(abs);
            }
        }
        Map<Path, Map<String, String>> seals = new LinkedHashMap<>();
        Map<Path, List<GroupJournal.Pending>> pending = new LinkedHashMap<>(); // a folder's journals read once
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            Path abs = reals.get(i);
            Path dir = abs.getParent();
            if (dir == null || abs.getFileName() == null) {
                continue;
            }
            String name = abs.getFileName().toString();
            for (GroupJournal.Pending p : pending.computeIfAbsent(dir, GroupJournal::pending)) {
                if (p.targets().contains(name)) {
                    throw new IOException(file + ": being replaced together with " + others(p.targets(), name)
                            + " by process " + p.pid() + (!p.otherHost() ? "" : p.host() == null
                            ? " of an earlier version (perhaps of another host)" : " of host " + p.host())
                            + (!p.running() ? " (stopped mid-way: the next convnet4j write into " + dir
                            + " finishes or undoes it)" : !p.otherHost() ? " (still running: read it once that run ends)"
                            : " (this host cannot tell whether it still runs: read it once that run ends; the next"
                            + " convnet4j write into " + dir + " finishes or undoes it once its journal is a day old)"));
                }
            }
            Path seal = dir.resolve(FILE);
            if (!seals.containsKey(dir)) {
                Stamp before = Stamp.of(seal);
                seals.put(dir, before == null ? Map.of() : read(seal));
                if (before != null) {
                    stamps.put(seal, before);
                }
            }
            Map<String, String> listed = seals.get(dir);
            String sum = listed.get(name);
            if (sum == null) {
                if (family != null && stamps.containsKey(seal) && family.matcher(name).matches()
                        && stamps.containsKey(abs)) {
                    throw new IOException(file + ": not listed in " + seal + " with the files convnet4j wrote there"
                            + " last (" + String.join(", ", listed.keySet().stream().map(TerminalText::escape)
                            .toList()) + "): left over from an earlier run; write it again, or delete it");
                }
                continue;
            }
            if (!stamps.containsKey(abs)) {
                continue; // gone: the reader says so
            }
            if (!Files.isRegularFile(abs, LinkOption.NOFOLLOW_LINKS)) { // not read: a pipe would block
                throw new IOException(file + ": not a regular file (a folder, a pipe or a device), so not the file "
                        + seal + " lists");
            }
            long size = stamps.get(abs).size();
            if (limit != null) { // before the hash: a listed file of 50 GB is refused at once, not read through first
                limit.require(file, size);
            }
            if (!sum.equals(sha256OfFirst(abs, size, file))) {
                throw new IOException(file + ": does not match its SHA-256 in " + seal + " (changed or"
                        + " replaced since convnet4j wrote it with the other files listed there)");
            }
        }
        Check check = new Check(stamps, absent);
        check.unchanged(); // nothing replaced while being checked
        return check;
    }

    /**
     * The file {@code file} names, links followed: a link to an output ({@code --input latest.pb}, a link into another
     * run's folder) is checked in the folder of the file it leads to, against that folder's journals and seal. A path
     * that does not resolve (not there) is kept as it is.
     */
    private static Path real(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException | SecurityException e) {
            return file.toAbsolutePath();
        }
    }

    /**
     * The SHA-256 of {@code abs}, which was {@code size} bytes when stamped, read no further than that: a file that has
     * grown since (written to meanwhile) is refused, not read to its new end ({@code file}: the name in messages).
     */
    private static String sha256OfFirst(Path abs, long size, Path file) throws IOException {
        java.security.MessageDigest d = Digests.sha256();
        byte[] buf = new byte[1 << 16];
        long left = size;
        try (java.io.InputStream in = Files.newInputStream(abs, LinkOption.NOFOLLOW_LINKS)) {
            for (int n = in.read(buf, 0, (int) Math.min(buf.length, left + 1)); n > 0;
                    n = in.read(buf, 0, (int) Math.min(buf.length, left + 1))) {
                if (n > left) {
                    throw new IOException(file + ": replaced while it was being read (it grew while it was checked;"
                            + " another run writing into " + abs.getParent() + "?); try again once that run ends");
                }
                d.update(buf, 0, n);
                left -= n;
            }
        }
        return Digests.hex(d);
    }

    /** What {@link #check} saw: {@link #confirm} after reading tells whether any of it was replaced meanwhile. */
    public static final class Check {
        private final Map<Path, Stamp> stamps;
        /** Files that were not there at the check: read all the same, they were put there meanwhile. */
        private final List<Path> absent;

        private Check(Map<Path, Stamp> stamps, List<Path> absent) {
            this.stamps = stamps;
            this.absent = absent;
        }

        /**
         * @throws IOException a checked file, or a seal, replaced since {@link #check} (another run writing into
         *                     that folder), or a file that was not there at the check (one such run may have put
         *                     it there and taken it away again): what was read may be a mix of two runs
         */
        public void confirm() throws IOException {
            unchanged();
            if (!absent.isEmpty()) {
                throw new IOException(absent.get(0) + ": replaced while it was being read (not there when it was"
                        + " checked; another run writing into " + absent.get(0).getParent() + "?); try again once that"
                        + " run ends");
            }
        }

        private void unchanged() throws IOException {
            for (Map.Entry<Path, Stamp> e : stamps.entrySet()) {
                if (!e.getValue().equals(Stamp.of(e.getKey()))) {
                    throw new IOException(e.getKey() + ": replaced while it was being read (another run writing into "
                            + e.getKey().getParent() + "?); try again once that run ends");
                }
            }
        }
    }

    /**
     * A file's identity and version: a rename over it gives another file key; a rewrite in place, another time; a
     * rename of the same file back into place (a failed commit's put-back), another change time (null where the
     * platform has no "unix" attribute view).
     */
    private record Stamp(Object key, long size, long modifiedNanos, Object changed) {
        static Stamp of(Path p) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                return new Stamp(a.fileKey(), a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                        changeTime(p));
            } catch (IOException | SecurityException e) {
                return null;
            }
        }
    }

    /** {@code p}'s status change time (ctime), or null where the file system or platform does not tell it. */
    static FileTime changeTime(Path p) {
        try {
            return Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS) instanceof FileTime t ? t : null;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }

    /**
     * After {@code p} (a file that was replaced) got its earlier version back by a rename: makes its change time later
     * than {@code before} (its change time before that rename), so that a reader's {@link Check#confirm} that stamped
     * it before the replacement sees that it was replaced meanwhile. A rename usually sets the change time itself; on a
     * file system whose clock ticks coarsely it may not move, then this waits for the next tick and sets the file's
     * permissions to what they are (which sets the change time). Returns whether the change time is later now (false:
     * no change time here, or it could not be set; a reader racing that commit is then not told).
     */
    static boolean changedAfter(Path p, FileTime before) {
        if (before == null) {
            return false;
        }
        long deadline = System.nanoTime() + 2_000_000_000L; // a clock that ticks in seconds: within 2 s
        while (System.nanoTime() - deadline < 0) {
            FileTime now = changeTime(p);
            if (now == null) {
                return false;
            }
            if (now.compareTo(before) > 0) {
                return true;
            }
            try {
                Thread.sleep(1);
                Files.setPosixFilePermissions(p, Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                return false;
            }
        }
        return false;
    }

    /** The seal's name-to-sum lines; it is untrusted: bounded, and refused whole when a line is not "SUM  NAME". */
    private static Map<String, String> read(Path seal) throws IOException {
        byte[] bytes;
        if (!Files.isRegularFile(seal, LinkOption.NOFOLLOW_LINKS)) { // not opened: a pipe would block, /dev/zero not end
            if (!Files.exists(seal, LinkOption.NOFOLLOW_LINKS)) {
                return Map.of();
            }
            throw new IOException(seal + ": not a regular file (a link, a folder, a pipe or a device), so not a seal"
                    + " convnet4j wrote (delete it to read the files of that folder unchecked)");
        }
        try (InputStream in = Files.newInputStream(seal, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes((int) MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            return Map.of();
        }
        if (bytes.length > MAX_BYTES) {
            throw new IOException(seal + ": over " + MAX_BYTES + " bytes, not a list of SHA-256 sums convnet4j"
                    + " wrote (delete it to read the files of that folder unchecked)");
        }
        Map<String, String> sums = new LinkedHashMap<>();
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isEmpty() && i == lines.length - 1) {
                break;
            }
            Matcher m = LINE.matcher(lines[i]);
            if (!m.matches()) {
                throw new IOException(seal + ": line " + (i + 1) + " is not 'SHA-256  NAME' (not a seal convnet4j"
                        + " wrote; delete it to read the files of that folder unchecked)");
            }
            sums.put(m.group(2), m.group(1));
        }
        return sums;
    }

    private static String others(List<String> targets, String name) {
        List<String> rest = new ArrayList<>(targets);
        rest.remove(name);
        return rest.isEmpty() ? "nothing else" : String.join(", ", rest.stream().map(TerminalText::escape).toList());
    }
}
