package org.convnet4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group's commit stopped after k of its renames, for every k (the {@code crash} action of the fault hook: the
 * group cleans nothing up, as after a kill), then settled by the journal's recovery: every file new, or (when a
 * failed rename was being undone) every file as before; never a mix; nothing of the commit left in the directory.
 */
class GroupJournalTest {
    private static final List<String> NAMES = List.of("a", "b", "c");

    @TempDir
    Path dir;

    @AfterEach
    void hookOff() {
        System.clearProperty(WriteFaults.PROPERTY);
    }

    private List<String> listing() throws IOException {
        return AtomicFilesGroupTest.listing(dir);
    }

    private void writeThree() throws IOException {
        AtomicFilesGroupTest.writeThree(dir);
    }

    /** a and c exist ("old a", "old c"), b does not: the group makes it. */
    private void earlier() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.writeString(dir.resolve("a"), "old a");
        Files.writeString(dir.resolve("c"), "old c");
    }

    /** "new" or "old" for every file ("none" for an absent b). */
    private List<String> states() throws IOException {
        List<String> s = new ArrayList<>();
        for (String n : NAMES) {
            Path p = dir.resolve(n);
            s.add(!Files.exists(p) ? "none" : Files.readString(p).substring(0, 3));
        }
        return s;
    }

    private long journals() throws IOException {
        return listing().stream().filter(n -> n.startsWith(GroupJournal.PREFIX)).count();
    }

    @Test
    void aCommitStoppedAfterAnyNumberOfRenamesIsFinished() throws IOException {
        // stop before a's rename (0 done), after a's (1), before b's (1), after b's (2), before c's (2), after c's (3)
        String[][] stops = {{"a", "rename", "0"}, {"a", "renamed", "1"}, {"b", "rename", "1"}, {"b", "renamed", "2"},
                {"c", "rename", "2"}, {"c", "renamed", "3"}};
        for (String[] stop : stops) {
            String where = stop[0] + "@" + stop[1];
            int k = Integer.parseInt(stop[2]);
            earlier();
            System.setProperty(WriteFaults.PROPERTY, where + ":crash");
            assertThrows(WriteFaults.SimulatedCrash.class, this::writeThree, where);
            System.clearProperty(WriteFaults.PROPERTY);
            List<String> at = states();
            assertEquals(k, at.stream().filter("new"::equals).count(), where + ": renames done at the crash " + at);
            assertEquals(1, journals(), where + ": the journal is left " + listing());

            List<String> said = GroupJournal.recover(dir, true); // this process stands for the killed one
            assertEquals(List.of("new", "new", "new"), states(), where);
            assertEquals(List.of("a", "b", "c"), listing(), where + ": nothing of the commit is left");
            assertEquals(1, said.size(), where);
            assertEquals(dir + ": process " + ProcessHandle.current().pid() + " was stopped while replacing a, b, c"
                    + " together (" + k + " of 3 replaced); finished it: all 3 now hold that run's new content",
                    said.get(0), where);
            assertEquals(List.of(), GroupJournal.recover(dir, true), where + ": said once");
        }
    }

    @Test
    void aCommitStoppedWhileAFailedRenameWasUndoneIsUndone() throws IOException {
        // c's rename fails; the put-back goes b (new: removed), then a (old from its hard link)
        earlier();
        System.setProperty(WriteFaults.PROPERTY, "c@rename:eio;a@putback:crash");
        assertThrows(WriteFaults.SimulatedCrash.class, this::writeThree);
        System.clearProperty(WriteFaults.PROPERTY);
        assertEquals(List.of("new", "none", "old"), states(), "b was removed, a not yet put back");
        List<String> said = GroupJournal.recover(dir, true);
        assertEquals(List.of("old", "none", "old"), states());
        assertEquals(List.of("a", "c"), listing());
        assertEquals(1, said.size());
        assertTrue(said.get(0).endsWith("(1 of 3 replaced); undid it (its new content was partly gone): all 3 are"
                + " as before that run"), said.get(0));

        // stopped before anything was put back: every new content is still there, so the commit is finished
        earlier();
        System.setProperty(WriteFaults.PROPERTY, "c@rename:eio;b@putback:crash");
        assertThrows(WriteFaults.SimulatedCrash.class, this::writeThree);
        System.clearProperty(WriteFaults.PROPERTY);
        assertEquals(List.of("new", "new", "old"), states());
        GroupJournal.recover(dir, true);
        assertEquals(List.of("new", "new", "new"), states());
        assertEquals(List.of("a", "b", "c"), listing());
    }

    @Test
    void aCleanCommitOrAFailedOneLeavesNoJournal() throws IOException {
        earlier();
        writeThree();
        assertEquals(List.of("a", "b", "c"), listing());
        earlier();
        System.setProperty(WriteFaults.PROPERTY, "c@rename:eio");
        assertThrows(IOException.class, this::writeThree);
        assertEquals(List.of("a", "c"), listing());
        assertEquals(List.of("old", "none", "old"), states());
    }

    @Test
    void aJournalCutShortMeansNothingWasRenamed() throws IOException {
        earlier();
        System.setProperty(WriteFaults.PROPERTY, "a@rename:crash");
        assertThrows(WriteFaults.SimulatedCrash.class, this::writeThree);
        System.clearProperty(WriteFaults.PROPERTY);
        Path journal = listing().stream().filter(n -> n.startsWith(GroupJournal.PREFIX)).map(dir::resolve)
                .findFirst().orElseThrow();
        byte[] whole = Files.readAllBytes(journal);
        Files.write(journal, java.util.Arrays.copyOf(whole, whole.length - 5)); // as if killed while writing it
        assertEquals(List.of(), GroupJournal.recover(dir, true));
        assertEquals(List.of("old", "none", "old"), states());
        assertEquals(0, journals());
    }

    @Test
    void aJournalNamesNothingOutsideItsDirectoryNorOtherFiles() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("d"));
        Files.writeString(dir.resolve("victim"), "mine");
        Files.writeString(sub.resolve("x"), "planted");
        Files.writeString(sub.resolve(AtomicFiles.temporaryPrefix("y", 1) + "1.tmp"), "planted");
        long pid = ProcessHandle.current().pid();
        for (List<GroupJournal.Entry> hostile : List.of(
                // a target outside the directory
                List.of(new GroupJournal.Entry("../victim", AtomicFiles.temporaryPrefix("victim", pid) + "1.tmp", null, true, "?", "?"),
                        new GroupJournal.Entry("x", AtomicFiles.temporaryPrefix("x", pid) + "2.tmp", null, false, "-", "?")),
                // a "temporary" that is just another file of the directory
                List.of(new GroupJournal.Entry("z", "x", null, false, "-", "?"),
                        new GroupJournal.Entry("w", AtomicFiles.temporaryPrefix("w", pid) + "2.tmp", null, false, "-", "?")),
                // another process's temporary
                List.of(new GroupJournal.Entry("y", AtomicFiles.temporaryPrefix("y", 1) + "1.tmp", null, false, "-", "?"),
                        new GroupJournal.Entry("w", AtomicFiles.temporaryPrefix("w", pid) + "2.tmp", null, false, "-", "?")))) {
            GroupJournal.write(sub, hostile);
            assertEquals(List.of(), GroupJournal.recover(sub, true));
            assertEquals("mine", Files.readString(dir.resolve("victim")));
            assertEquals("planted", Files.readString(sub.resolve("x")));
            assertFalse(Files.exists(sub.resolve("z")));
            assertFalse(Files.exists(sub.resolve("y")));
            try (Stream<Path> s = Files.list(sub)) {
                assertEquals(2, s.count(), "the journal is gone, nothing else changed");
            }
        }
    }

    @Test
    void aLiveProcesssJournalIsLeftAlone() throws IOException {
        earlier();
        System.setProperty(WriteFaults.PROPERTY, "b@rename:crash");
        assertThrows(WriteFaults.SimulatedCrash.class, this::writeThree);
        System.clearProperty(WriteFaults.PROPERTY);
        // this process is alive: the public recovery and the next write leave its commit (and temporaries) alone
        assertEquals(List.of(), AtomicFiles.recover(dir));
        AtomicFiles.writeString(dir.resolve("other"), "x");
        assertEquals(List.of("new", "none", "old"), states());
        assertEquals(1, journals());
        GroupJournal.recover(dir, true);
        assertEquals(List.of("new", "new", "new"), states());
    }

    @Test
    void namesThatBreakLinesSurviveTheJournal() {
        for (String n : List.of("plain", "tab\there", "new\nline", "100%", "%0A", "\r")) {
            assertEquals(n, GroupJournal.unescape(GroupJournal.escape(n)));
        }
        assertEquals(null, GroupJournal.unescape("bad%4"));
    }

    @Test
    void aGroupIsInOneDirectory() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("d"));
        try (AtomicFiles.Group g = AtomicFiles.group()) {
            g.write(dir.resolve("a"), out -> out.write(1));
            assertThrows(IllegalArgumentException.class, () -> g.write(sub.resolve("b"), out -> out.write(2)));
        }
    }
}
