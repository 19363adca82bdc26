package org.convnet4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hosts writing one network folder: a process id means nothing on the other host, so host A's next write must
 * not take host B's in-progress temporary (or B's group commit under way) for a killed run's because B's process id
 * does not run on A. Simulated in one process by the names B's writer gives its files: a process id that runs nowhere
 * here, and another host (or, the older form, none). The age rule is tried with system property
 * {@code convnet4j.files.otherHostsStaleAfter} at zero (a change time cannot be set back).
 */
class OtherHostsFilesTest {
    /** Above Linux's largest pid_max (2^22): no process of this host has it. */
    private static final long NOT_HERE = 999_999_999L;
    private static final WriterId OTHER_HOST = new WriterId(NOT_HERE, "node-b.cluster");
    private static final WriterId EARLIER_VERSION = new WriterId(NOT_HERE, null);

    @TempDir
    Path dir;

    @AfterEach
    void defaults() {
        System.clearProperty(WriterId.AGE_PROPERTY);
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anotherHostsTemporariesAreKeptUntilADayOldThisHostsGoWithTheirProcess() throws IOException {
        Path target = dir.resolve("model.c4j");
        String otherHost = AtomicFiles.temporaryName("model.c4j", OTHER_HOST);
        String earlierVersion = AtomicFiles.temporaryName("output_1.pb", EARLIER_VERSION);
        String thisHostDead = AtomicFiles.temporaryPrefix("model.c4j", NOT_HERE) + "5.tmp";
        Files.writeString(dir.resolve(otherHost), "host B is writing this");
        Files.writeString(dir.resolve(earlierVersion), "an earlier version's writer, here or on host B");
        Files.writeString(dir.resolve(thisHostDead), "killed here");

        AtomicFiles.writeString(target, "one");
        assertEquals(List.of(earlierVersion, otherHost, "model.c4j").stream().sorted().toList(), listing(),
                "only this host's temporary of a process that is gone is removed");

        System.setProperty(WriterId.AGE_PROPERTY, "PT0S"); // as if a day had passed
        AtomicFiles.writeString(target, "two");
        assertEquals(List.of("model.c4j"), listing());
        assertEquals("two", Files.readString(target));
    }

    @Test
    void aTemporarysNameGivesItsWriterWhateverTheTargetsNameHolds() {
        assertEquals(OTHER_HOST, WriterId.ofTemporary(".a.p7@x-1.tmp.p999999999@node-b.cluster-12.tmp"));
        assertEquals(new WriterId(12, "node.p9"), WriterId.ofTemporary(".m.c4j.p12@node.p9-3.tmp"));
        assertEquals(new WriterId(12, null), WriterId.ofTemporary(".m.c4j.p12-3.tmp"));
        assertNull(WriterId.ofTemporary(".m.c4j.p12@Upper-3.tmp"));
        assertNull(WriterId.ofTemporary(".notes.tmp"));
        assertNull(WriterId.ofTemporary(".m.p99999999999999999999-1.tmp"));
    }

    @Test
    void hostNamesAreMadeShortAndSafe() {
        assertEquals("node-b.cluster", WriterId.shortForm("Node-B.Cluster\n"));
        String odd = WriterId.shortForm("a host/with\u00e9 odd_chars and a very long name indeed");
        assertTrue(odd.matches(WriterId.HOST_REGEX) && odd.length() <= WriterId.MAX_HOST_CHARS, odd);
        assertTrue(!odd.equals(WriterId.shortForm("a host/with\u00e9 odd_chars and a very long name indeed!")));
        assertNull(WriterId.shortForm(" "));
        assertTrue(WriterId.localHost().matches(WriterId.HOST_REGEX), WriterId.localHost());
        assertTrue(AtomicFiles.temporaryName("x").contains(".p" + ProcessHandle.current().pid() + "@"
                + WriterId.localHost() + "-"));
    }

    /**
     * Two machines of one name (cloned machines, containers given one host name): by the name alone they were one
     * host, and this machine's next write deleted the other's temporary under its running save, its process id being
     * gone here. The twin is simulated by its identity (another boot id). A name with the host's name only is what an
     * earlier version, or a machine whose identity cannot be read, writes: here it may be the twin's, so it waits the
     * day too. On the old code the plain-name temporary was removed at once.
     */
    @Test
    void anotherMachineOfThisHostsNameIsAnotherHost() throws IOException {
        boolean told = Files.isReadable(Path.of("/proc/sys/kernel/random/boot_id"))
                || Files.isReadable(Path.of("/etc/machine-id"));
        assertEquals(told, WriterId.machineIdentity() != null, "the identity is read wherever the system tells it");
        String name = WriterId.rawHostName();
        String twinHost = WriterId.hostForm(name, "a clone's boot id");
        assertTrue(!twinHost.equals(WriterId.localHost()) && twinHost.matches(WriterId.HOST_REGEX), twinHost);
        assertTrue(twinHost.length() <= WriterId.MAX_HOST_CHARS, twinHost);
        String twin = AtomicFiles.temporaryName("model.c4j", new WriterId(NOT_HERE, twinHost));
        String plainName = AtomicFiles.temporaryName("model.c4j", new WriterId(NOT_HERE, WriterId.shortForm(name)));
        String thisMachineDead = AtomicFiles.temporaryPrefix("model.c4j", NOT_HERE) + "5.tmp";
        for (String t : List.of(twin, plainName, thisMachineDead)) {
            Files.writeString(dir.resolve(t), t);
        }

        AtomicFiles.writeString(dir.resolve("model.c4j"), "one");
        List<String> kept = told ? List.of(twin, plainName, "model.c4j") : List.of(twin, "model.c4j");
        assertEquals(kept.stream().sorted().toList(), listing(), "only this machine's dead writer's temporary goes");

        System.setProperty(WriterId.AGE_PROPERTY, "PT0S"); // as if a day had passed
        AtomicFiles.writeString(dir.resolve("model.c4j"), "two");
        assertEquals(List.of("model.c4j"), listing());
        String longName = "a-cloned-build-machine-with-a-long-name.example.org";
        assertTrue(WriterId.hostForm(longName, "boot 1").startsWith("a-cloned-build-machine-~"));
        assertTrue(!WriterId.hostForm(longName, "boot 1").equals(WriterId.hostForm(longName, "boot 2")));
        assertEquals(WriterId.shortForm(longName), WriterId.hostForm(longName, null));
    }

    /** B's group commit under way: its journal and its temporaries; a and b still hold the old content. */
    private Path commitUnderWay(WriterId writer) throws IOException {
        Files.writeString(dir.resolve("a"), "old a");
        Files.writeString(dir.resolve("b"), "old b");
        String ta = AtomicFiles.temporaryName("a", writer);
        String tb = AtomicFiles.temporaryName("b", writer);
        Files.writeString(dir.resolve(ta), "new a");
        Files.writeString(dir.resolve(tb), "new b");
        return GroupJournal.write(dir, List.of(
                new GroupJournal.Entry("a", ta, null, true, GroupJournal.key(dir.resolve("a")), GroupJournal.key(dir.resolve(ta))),
                new GroupJournal.Entry("b", tb, null, true, GroupJournal.key(dir.resolve("b")), GroupJournal.key(dir.resolve(tb)))),
                writer);
    }

    @Test
    void anotherHostsGroupCommitIsLeftAloneUntilItsJournalIsADayOld() throws IOException {
        for (WriterId writer : List.of(OTHER_HOST, EARLIER_VERSION)) {
            System.clearProperty(WriterId.AGE_PROPERTY);
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Path journal = commitUnderWay(writer);
            List<String> before = listing();

            AtomicFiles.writeString(dir.resolve("c"), "c"); // this host's next write into the folder
            assertEquals(List.of(), AtomicFiles.recover(dir), writer.toString());
            List<String> after = new java.util.ArrayList<>(before);
            after.add("c");
            assertEquals(after.stream().sorted().toList(), listing(), writer + ": B's commit is not touched");
            assertEquals("old a", Files.readString(dir.resolve("a")));
            IOException e = assertThrows(IOException.class, () -> GroupSeal.check(List.of(dir.resolve("a"))));
            assertTrue(e.getMessage().startsWith(dir.resolve("a") + ": being replaced together with b by process "
                    + NOT_HERE + (writer.host() == null ? " of an earlier version (perhaps of another host)"
                    : " of host node-b.cluster") + " (this host cannot tell whether it still runs: read it once that"
                    + " run ends; the next convnet4j write into " + dir + " finishes or undoes it once its journal is"
                    + " a day old)"), e.getMessage());

            System.setProperty(WriterId.AGE_PROPERTY, "PT0S"); // as if a day had passed
            List<String> said = AtomicFiles.recover(dir);
            assertEquals(List.of(dir + ": process " + NOT_HERE + (writer.host() == null ? " (of an earlier version)"
                    : " on host node-b.cluster") + " was stopped while replacing a, b together (0 of 2 replaced);"
                    + " finished it: both now hold that run's new content"), said);
            assertTrue(Files.notExists(journal));
            assertEquals(List.of("a", "b", "c"), listing());
            assertEquals("new a", Files.readString(dir.resolve("a")));
            assertEquals("new b", Files.readString(dir.resolve("b")));
        }
    }
}
