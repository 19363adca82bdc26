package org.convnet4j.util;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
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
     * checked against the same group).
     *
     * @throws IOException one line starting with the file: being replaced (the process running, or killed mid-way),
     *                     not matching the seal, or the seal not readable as one
     */
    public static Check check(List<Path> files) throws IOException {
        Map<Path, Map<String, String>> seals = new LinkedHashMap<>();
        Map<Path, List<GroupJournal.Pending>> pending = new LinkedHashMap<>(); // a folder's journals read once
        Map<Path, Stamp> stamps = new LinkedHashMap<>();
        for (Path file : files) {
            Path abs = file.toAbsolutePath();
            Path dir = abs.getParent();
            if (dir == null || abs.getFileName() == null) {
                continue;
            }
            String name = abs.getFileName().toString();
            for (GroupJournal.Pending p : pending.computeIfAbsent(dir, GroupJournal::pending)) {
                if (p.targets().contains(name)) {
                    throw new IOException(file + ": being replaced together with " + others(p.targets(), name)
                            + " by process " + p.pid() + (p.running() ? " (still running: read it once that run ends)"
                            : " (stopped mid-way: the next convnet4j write into " + dir + " finishes or undoes it)"));
                }
            }
            if (!seals.containsKey(dir)) {
                Path seal = dir.resolve(FILE);
                Stamp before = Stamp.of(seal);
                seals.put(dir, before == null ? Map.of() : read(seal));
                if (before != null) {
                    stamps.put(seal, before);
                }
            }
            String sum = seals.get(dir).get(name);
            if (sum == null) {
                continue;
            }
            Stamp before = Stamp.of(abs);
            if (before == null) {
                continue; // gone: the reader says so
            }
            if (!sum.equals(Digests.sha256Hex(abs))) {
                throw new IOException(file + ": does not match its SHA-256 in " + dir.resolve(FILE) + " (changed or"
                        + " replaced since convnet4j wrote it with the other files listed there)");
            }
            stamps.put(abs, before);
        }
        Check check = new Check(stamps);
        check.confirm(); // nothing replaced while being checked
        return check;
    }

    /** What {@link #check} saw: {@link #confirm} after reading tells whether any of it was replaced meanwhile. */
    public static final class Check {
        private final Map<Path, Stamp> stamps;

        private Check(Map<Path, Stamp> stamps) {
            this.stamps = stamps;
        }

        /**
         * @throws IOException a checked file, or a seal, replaced since {@link #check} (another run writing into
         *                     that folder): what was read may be a mix of two runs
         */
        public void confirm() throws IOException {
            for (Map.Entry<Path, Stamp> e : stamps.entrySet()) {
                if (!e.getValue().equals(Stamp.of(e.getKey()))) {
                    throw new IOException(e.getKey() + ": replaced while it was being read (another run writing into "
                            + e.getKey().getParent() + "?); try again once that run ends");
                }
            }
        }
    }

    /** A file's identity and version: a rename over it gives another file key; a rewrite in place, another time. */
    private record Stamp(Object key, long size, long modifiedNanos) {
        static Stamp of(Path p) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                return new Stamp(a.fileKey(), a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS));
            } catch (IOException | SecurityException e) {
                return null;
            }
        }
    }

    /** The seal's name-to-sum lines; it is untrusted: bounded, and refused whole when a line is not "SUM  NAME". */
    private static Map<String, String> read(Path seal) throws IOException {
        byte[] bytes;
        try {
            if (Files.size(seal) > MAX_BYTES) {
                throw new IOException(seal + ": over " + MAX_BYTES + " bytes, not a list of SHA-256 sums convnet4j"
                        + " wrote (delete it to read the files of that folder unchecked)");
            }
            bytes = Files.readAllBytes(seal);
        } catch (NoSuchFileException e) {
            return Map.of();
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
