package org.convnet4j.util;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who made a temporary file or a group journal, as its name says: the process id and a short, file-name-safe form of
 * the machine that ran it ({@code pPID@HOST}, see {@link #hostForm}; names of the older form carry no host:
 * {@code pPID}), and whether that writer is surely gone, so that its file may be removed or its commit settled.
 *
 * <p>A process id means something only on the host that gave it: two hosts writing one network folder (NFS, SMB), or
 * two containers with their own process ids sharing a volume, would otherwise take each other's in-progress files for
 * a killed run's and delete them. So a writer is gone when it is of this host and its process no longer runs; a file
 * of another host, or of no host named (the older form: written by an earlier version, here or elsewhere), counts as
 * gone only once it is older than {@link #OTHER_HOSTS_STALE_AFTER} (its modification or change time, whichever is
 * later: making a hard link changes the latter).
 *
 * <p>"This host" is this machine (its boot and process id namespace, {@link #machineIdentity}) and not its name alone:
 * two machines of one name would otherwise take each other's files for their own. A name that carries the host's
 * name only ({@code pPID@NAME}: an earlier version's, or a machine whose identity cannot be read) is therefore another
 * host's wherever this machine's identity is known, and waits the day.
 *
 * <p>Public for the other modules' temporaries (Spark's hidden output folders, {@code .NAME.tmp-pPID@HOST-N}): a
 * name carries {@link #tag()} of {@link #self()}, and a cleaner asks {@link #ofTag} then {@link #gone}.
 */
public record WriterId(long pid, String host) {
    /**
     * How old another host's temporary or journal must be before it is taken for a killed run's: a generous day,
     * unless system property {@value #AGE_PROPERTY} gives another (an ISO-8601 duration such as {@code PT2H}).
     */
    static final Duration OTHER_HOSTS_STALE_AFTER = Duration.ofHours(24);
    static final String AGE_PROPERTY = "convnet4j.files.otherHostsStaleAfter";
    /** Longest host form in a name; longer or unsafe host names are cut and given 8 hex digits of their SHA-256. */
    static final int MAX_HOST_CHARS = 32;
    /** The host part of a name, as a regular expression. */
    static final String HOST_REGEX = "[a-z0-9.~-]{1," + MAX_HOST_CHARS + "}";
    private static final String LOCAL_HOST = hostForm(rawHostName(), machineIdentity());

    /**
     * A temporary's name with a host ({@code .NAME.pPID@HOST-N.tmp}): a host holds no '@' and the process id only
     * digits, so the last {@code .pDIGITS@} is the writer's whatever NAME holds.
     */
    private static final Pattern WITH_HOST = Pattern.compile(
            "\\..+\\.p(\\d{1,19})@(" + HOST_REGEX + ")-\\d{1,19}\\.tmp");
    /** The older form, without a host ({@code .NAME.pPID-N.tmp}). */
    private static final Pattern WITHOUT_HOST = Pattern.compile("\\..+\\.p(\\d{1,19})-\\d{1,19}\\.tmp");
    /** A tag alone ({@link #tag()}). */
    private static final Pattern TAG = Pattern.compile("p(\\d{1,19})(?:@(" + HOST_REGEX + "))?");

    /** The writer a temporary file's name gives, or null if the name is not of a temporary of either form. */
    static WriterId ofTemporary(String name) {
        Matcher m = WITH_HOST.matcher(name);
        boolean hosted = m.matches();
        if (!hosted) {
            m = WITHOUT_HOST.matcher(name);
            if (!m.matches()) {
                return null;
            }
        }
        try {
            return new WriterId(Long.parseLong(m.group(1)), hosted ? m.group(2) : null);
        } catch (NumberFormatException e) {
            return null; // beyond a long: no process of any host
        }
    }

    /** {@link #OTHER_HOSTS_STALE_AFTER}, or the duration system property {@value #AGE_PROPERTY} gives (if valid, not negative). */
    static Duration otherHostsStaleAfter() {
        String s = System.getProperty(AGE_PROPERTY);
        if (s != null) {
            try {
                Duration d = Duration.parse(s.strip());
                if (!d.isNegative()) {
                    return d;
                }
            } catch (RuntimeException ignored) {
                // not a duration: the default
            }
        }
        return OTHER_HOSTS_STALE_AFTER;
    }

    /** This process on this host. */
    public static WriterId self() {
        return new WriterId(ProcessHandle.current().pid(), localHost());
    }

    /** Process {@code pid} of this host (what a killed run of this host left names with; for tests and tools). */
    public static WriterId ofThisHost(long pid) {
        return new WriterId(pid, localHost());
    }

    /** The tag form of the writer's name ({@code pPID@HOST}, or {@code pPID} of the older form), or null if it is not one. */
    public static WriterId ofTag(String tag) {
        Matcher m = TAG.matcher(tag);
        if (!m.matches()) {
            return null;
        }
        try {
            return new WriterId(Long.parseLong(m.group(1)), m.group(2));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** This machine's {@link #hostForm}, or a tag no other host's files can share when the host's name is unknown. */
    static String localHost() {
        return LOCAL_HOST != null ? LOCAL_HOST : "unknown-host";
    }

    /** {@code pPID@HOST} (or {@code pPID} for a name of the older form), as it appears in file names. */
    public String tag() {
        return "p" + pid + (host == null ? "" : "@" + host);
    }

    /** Whether this is the process that runs this code. */
    boolean isSelf() {
        return pid == ProcessHandle.current().pid() && onThisHost();
    }

    /** Whether the name says this machine (whose host form is known), so that its process id can be asked about. */
    boolean onThisHost() {
        return LOCAL_HOST != null && LOCAL_HOST.equals(host);
    }

    /**
     * Whether the writer of {@code file} (named with this id) is surely gone: of this host and its process no longer
     * runs, or of another (or no named) host and {@code file} untouched for {@link #OTHER_HOSTS_STALE_AFTER}.
     * This process's own files are never gone.
     */
    public boolean gone(Path file) {
        if (isSelf()) {
            return false;
        }
        if (onThisHost()) {
            return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        }
        return untouchedFor(file, otherHostsStaleAfter());
    }

    /** Whether {@code file}'s modification and change times (where told) are both older than {@code age}. */
    static boolean untouchedFor(Path file, Duration age) {
        try {
            Instant latest = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant();
            FileTime changed = GroupSeal.changeTime(file);
            if (changed != null && changed.toInstant().isAfter(latest)) {
                latest = changed.toInstant();
            }
            return latest.isBefore(Instant.now().minus(age));
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /**
     * The form of a host name that file names carry: lower case, and if it is longer than {@link #MAX_HOST_CHARS} or
     * holds anything but letters, digits, '.' and '-', its first characters (others made '-') and '~' with 8 hex
     * digits of the whole name's SHA-256 (different long names stay different). Null for a missing or blank name.
     * What a machine whose {@link #machineIdentity} cannot be read (and an earlier version) names itself.
     */
    static String shortForm(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        String lower = raw.strip().toLowerCase(Locale.ROOT);
        if (lower.length() <= MAX_HOST_CHARS && lower.matches("[a-z0-9.-]+")) {
            return lower;
        }
        return readablePart(lower) + "~"
                + Digests.sha256Hex(raw.strip().getBytes(StandardCharsets.UTF_8)).substring(0, 8);
    }

    /**
     * The host part of the names a machine gives its files: with a {@code machine} identity, the name's first
     * characters as {@link #shortForm} keeps them (at most 23) and '~' with 8 hex digits of the SHA-256 of the name and
     * the identity, so that two machines of one name (cloned machines, containers given one host name) are two hosts
     * (a chance of 2^-32 that two share it); without one, the name's {@link #shortForm} (the form earlier versions
     * wrote everywhere). A name of that plain form is therefore never this machine's where its identity is known: it
     * may be another machine's of the same name, so it waits the day another host's files wait.
     */
    static String hostForm(String rawName, String machine) {
        if (machine == null) {
            return shortForm(rawName);
        }
        String name = rawName == null ? "" : rawName.strip();
        String readable = readablePart(name.toLowerCase(Locale.ROOT));
        return (readable.isEmpty() ? "host" : readable) + "~"
                + Digests.sha256Hex((name + "\n" + machine).getBytes(StandardCharsets.UTF_8)).substring(0, 8);
    }

    /** The first characters of a lower-case host name that leave room for '~' and 8 hex digits; others made '-'. */
    private static String readablePart(String lower) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lower.length() && b.length() < MAX_HOST_CHARS - 9; i++) {
            char c = lower.charAt(i);
            b.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ? c : '-');
        }
        return b.toString();
    }

    /**
     * What tells this machine's process ids from every other's, or null where nothing can be read (not Linux): the
     * kernel's boot id (a random UUID drawn at each boot; else the installation's {@code /etc/machine-id}, which cloned
     * machines may share) and the process id namespace this JVM is in ({@code /proc/self/ns/pid}: containers on one
     * machine, with one boot id, have their own process ids). Process ids mean one thing exactly within one boot and
     * one namespace. After a reboot the files of the runs it stopped are thus another host's: they go after the day.
     */
    static String machineIdentity() {
        String machine = firstLine(Path.of("/proc/sys/kernel/random/boot_id"));
        if (machine == null) {
            machine = firstLine(Path.of("/etc/machine-id"));
        }
        if (machine == null) {
            return null;
        }
        try {
            return machine + " " + Files.readSymbolicLink(Path.of("/proc/self/ns/pid"));
        } catch (IOException | RuntimeException e) {
            return machine; // no namespaces told: the boot (or the installation) alone
        }
    }

    /** The first line of a small system file, or null if it is missing, unreadable, blank or not small. */
    private static String firstLine(Path file) {
        try {
            if (Files.isRegularFile(file) && Files.size(file) < 4096) {
                String s = Files.readString(file, StandardCharsets.UTF_8).strip();
                int end = s.indexOf('\n');
                s = end < 0 ? s : s.substring(0, end).strip();
                return s.isEmpty() ? null : s;
            }
        } catch (IOException | RuntimeException ignored) {
            // not readable here: as if missing
        }
        return null;
    }

    /**
     * This host's name without asking a name server (which can take seconds): Linux's kernel host name, else the
     * environment's (Windows' COMPUTERNAME, a shell's HOSTNAME), else the JDK's local host lookup.
     */
    static String rawHostName() {
        String kernel = firstLine(Path.of("/proc/sys/kernel/hostname"));
        if (kernel != null && kernel.length() < 256) {
            return kernel;
        }
        for (String variable : new String[] {"COMPUTERNAME", "HOSTNAME"}) {
            String s = System.getenv(variable);
            if (s != null && !s.isBlank()) {
                return s;
            }
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
