package org.convnet4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sealed group ({@link AtomicFiles#sealedGroup}) and its reader's check ({@link GroupSeal#check}): the seal is what
 * coreutils' {@code sha256sum -c} accepts; a commit stopped at any of its renames leaves files that the check
 * refuses (never a mix taken for a group), and after the journal's recovery it takes them; a file changed after
 * the seal, a seal that is not one, a file replaced while being read are refused, each in one line naming it.
 */
class GroupSealTest {
    private static final List<String> NAMES = List.of("a", "b");

    @TempDir
    Path dir;

    @AfterEach
    void hookOff() {
        System.clearProperty(WriteFaults.PROPERTY);
    }

    private List<Path> files() {
        return NAMES.stream().map(dir::resolve).toList();
    }

    private void writeBoth(String version) throws IOException {
        try (AtomicFiles.Group g = AtomicFiles.sealedGroup()) {
            for (String n : NAMES) {
                g.write(dir.resolve(n), out -> out.write((version + " " + n + "\n").getBytes(StandardCharsets.UTF_8)));
            }
            g.publish();
        }
    }

    /** "old"/"new" per file, as a reader that checks nothing would see them. */
    private List<String> contents() throws IOException {
        List<String> s = new ArrayList<>();
        for (Path p : files()) {
            s.add(Files.readString(p).substring(0, 3));
        }
        return s;
    }

    @Test
    void theSealIsWhatSha256sumChecks() throws Exception {
        writeBoth("new");
        assertEquals(List.of("a", "b", GroupSeal.FILE), AtomicFilesGroupTest.listing(dir));
        Process p = new ProcessBuilder("sha256sum", "-c", GroupSeal.FILE).directory(dir.toFile())
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), said);
        assertEquals("a: OK\nb: OK\n", said);
        GroupSeal.check(files()).confirm();
    }

    @Test
    void aCommitStoppedAtAnyRenameIsRefusedUntilRecovered() throws IOException {
        // before a's rename (0 of 3 done), after a's, after b's, before the seal's, after the seal's (3 of 3)
        String[] stops = {"a@rename", "a@renamed", "b@renamed", GroupSeal.FILE + "@rename", GroupSeal.FILE + "@renamed"};
        for (String stop : stops) {
            for (Path p : files()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir.resolve(GroupSeal.FILE));
            writeBoth("old");
            System.setProperty(WriteFaults.PROPERTY, stop + ":crash");
            assertThrows(WriteFaults.SimulatedCrash.class, () -> writeBoth("new"), stop);
            System.clearProperty(WriteFaults.PROPERTY);
            for (List<Path> read : List.of(files(), files().subList(0, 1), files().subList(1, 2))) {
                IOException e = assertThrows(IOException.class, () -> GroupSeal.check(read), stop + " " + read);
                assertTrue(e.getMessage().startsWith(read.get(0) + ": being replaced together with "), e.getMessage());
                assertTrue(e.getMessage().contains(" by process " + ProcessHandle.current().pid() + " "), e.getMessage());
            }
            GroupJournal.recover(dir, true); // this process stands for the killed one
            GroupSeal.check(files()).confirm();
            assertEquals(List.of("new", "new"), contents(), stop);
        }
    }

    @Test
    void aMixWithoutItsJournalIsRefusedByTheSums() throws IOException {
        writeBoth("old");
        byte[] oldB = Files.readAllBytes(dir.resolve("b"));
        writeBoth("new");
        Files.write(dir.resolve("b"), oldB); // a mix made by hand (or by a copy): no journal says so
        GroupSeal.check(files().subList(0, 1)).confirm(); // a alone is the sealed one
        IOException e = assertThrows(IOException.class, () -> GroupSeal.check(files()));
        assertEquals(dir.resolve("b") + ": does not match its SHA-256 in " + dir.resolve(GroupSeal.FILE) + " (changed"
                + " or replaced since convnet4j wrote it with the other files listed there)", e.getMessage());
    }

    @Test
    void filesTheSealDoesNotListAndFoldersWithoutOneAreNotChecked() throws IOException {
        Files.writeString(dir.resolve("a"), "plain a");
        GroupSeal.check(files().subList(0, 1)).confirm();
        writeBoth("new");
        Files.writeString(dir.resolve("input.pb"), "not in the group");
        GroupSeal.check(List.of(dir.resolve("input.pb"), dir.resolve("a"))).confirm();
    }

    @Test
    void aSealThatIsNotOneIsRefused() throws IOException {
        writeBoth("new");
        Files.writeString(dir.resolve(GroupSeal.FILE), "0123  a\n");
        IOException e = assertThrows(IOException.class, () -> GroupSeal.check(files()));
        assertTrue(e.getMessage().startsWith(dir.resolve(GroupSeal.FILE) + ": line 1 is not 'SHA-256  NAME'"), e.getMessage());
        Files.write(dir.resolve(GroupSeal.FILE), new byte[(int) GroupSeal.MAX_BYTES + 1]);
        e = assertThrows(IOException.class, () -> GroupSeal.check(files()));
        assertTrue(e.getMessage().startsWith(dir.resolve(GroupSeal.FILE) + ": over 1048576 bytes"), e.getMessage());
    }

    @Test
    void aFileReplacedWhileBeingReadIsRefused() throws IOException {
        writeBoth("old");
        GroupSeal.Check seal = GroupSeal.check(files());
        writeBoth("new"); // another run, between the check and the end of the reading
        IOException e = assertThrows(IOException.class, seal::confirm);
        assertTrue(e.getMessage().contains(": replaced while it was being read"), e.getMessage());
    }

    @Test
    void aSealedGroupRefusesTheSealsName() {
        try (AtomicFiles.Group g = AtomicFiles.sealedGroup()) {
            assertThrows(IllegalArgumentException.class, () -> g.write(dir.resolve(GroupSeal.FILE), out -> out.write(1)));
        }
    }

    @Test
    void aFileOfTheGroupsNamesThatTheSealDoesNotListIsRefused() throws IOException {
        java.util.regex.Pattern family = java.util.regex.Pattern.compile("[a-z]");
        Files.writeString(dir.resolve("c"), "c of an earlier group of three"); // unsealed folder: read
        Files.writeString(dir.resolve("notes.txt"), "the user's");
        GroupSeal.check(List.of(dir.resolve("c")), family).confirm();
        writeBoth("new");
        IOException e = assertThrows(IOException.class, () -> GroupSeal.check(List.of(dir.resolve("a"),
                dir.resolve("c")), family));
        assertEquals(dir.resolve("c") + ": not listed in " + dir.resolve(GroupSeal.FILE) + " with the files convnet4j"
                + " wrote there last (a, b): left over from an earlier run; write it again, or delete it", e.getMessage());
        GroupSeal.check(List.of(dir.resolve("a"), dir.resolve("notes.txt")), family).confirm(); // not of the family
        GroupSeal.check(List.of(dir.resolve("c")), null).confirm(); // no family given: as before
        GroupSeal.check(List.of(dir.resolve("a"), dir.resolve("b")), family).confirm();
    }

    @Test
    void aLinkToAFileIsCheckedInTheFolderOfThatFile() throws IOException {
        writeBoth("old");
        byte[] oldB = Files.readAllBytes(dir.resolve("b"));
        writeBoth("new");
        Files.write(dir.resolve("b"), oldB); // a mix: b does not match the seal
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(elsewhere.resolve("latest_b"), dir.resolve("b"));
        IOException e = assertThrows(IOException.class, () -> GroupSeal.check(List.of(link)));
        assertEquals(link + ": does not match its SHA-256 in " + dir.resolve(GroupSeal.FILE) + " (changed or replaced"
                + " since convnet4j wrote it with the other files listed there)", e.getMessage());
        GroupSeal.check(List.of(Files.createSymbolicLink(elsewhere.resolve("latest_a"), dir.resolve("a")))).confirm();
    }

    /**
     * A folder from elsewhere (an unpacked archive) whose seal is a pipe, a link to /dev/zero or a folder, or whose
     * listed file is a pipe: refused in one line without opening it (before: a pipe blocked the reader for ever,
     * /dev/zero filled the heap).
     */
    @Test
    void aSealOrAListedFileThatIsNotARegularFileIsRefusedUnopened() throws Exception {
        writeBoth("new");
        Path seal = dir.resolve(GroupSeal.FILE);
        String sealText = Files.readString(seal);
        List<Runnable> kinds = List.of(() -> mkfifo(seal), () -> link(seal, Path.of("/dev/zero")), () -> folder(seal));
        for (Runnable make : kinds) {
            Files.delete(seal);
            make.run();
            IOException e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                    () -> assertThrows(IOException.class, () -> GroupSeal.check(files())));
            assertEquals(seal + ": not a regular file (a link, a folder, a pipe or a device), so not a seal convnet4j"
                    + " wrote (delete it to read the files of that folder unchecked)", e.getMessage());
            if (Files.isDirectory(seal, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(seal);
                Files.writeString(seal, "");
            }
        }
        Files.delete(seal);
        Files.writeString(seal, sealText);
        Files.delete(dir.resolve("b"));
        mkfifo(dir.resolve("b"));
        IOException e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                () -> assertThrows(IOException.class, () -> GroupSeal.check(files())));
        assertEquals(dir.resolve("b") + ": not a regular file (a folder, a pipe or a device), so not the file " + seal
                + " lists", e.getMessage());
    }

    private static void mkfifo(Path p) {
        try {
            Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
            assertTrue(mk.waitFor(30, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo " + p);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void link(Path p, Path to) {
        try {
            Files.createSymbolicLink(p, to);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void folder(Path p) {
        try {
            Files.createDirectory(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A reader's size limit is applied to a listed file before it is hashed, with the size stamped at the check; the
     * hash reads no further than that size, so a file that grows meanwhile (here: in the limit's call) is refused
     * rather than read to its new end.
     */
    @Test
    void theSizeLimitComesBeforeTheHashWhichStopsAtTheStampedSize() throws IOException {
        writeBoth("new");
        List<String> asked = new ArrayList<>();
        IOException e = assertThrows(IOException.class, () -> GroupSeal.check(files(), null, (file, bytes) -> {
            asked.add(file.getFileName() + " " + bytes);
            throw new IOException(file + ": too large for this reader");
        }));
        assertEquals(dir.resolve("a") + ": too large for this reader", e.getMessage());
        assertEquals(List.of("a 6"), asked);

        e = assertThrows(IOException.class, () -> GroupSeal.check(files(), null, (file, bytes) ->
                Files.writeString(file, "more", java.nio.file.StandardOpenOption.APPEND)));
        assertTrue(e.getMessage().startsWith(dir.resolve("a") + ": replaced while it was being read (it grew while it"
                + " was checked;"), e.getMessage());
        writeBoth("new");
        GroupSeal.check(files(), null, (file, bytes) -> { }).confirm(); // within the limit: checked as before
    }
}
