package org.convnet4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A picture that holds up the task reading it through {@link HoldingFileSystem} (its {@code held:} URI) for as long
 * as a test wants: {@link #hold()} creates {@code FILE.hold}, from then on an open of the picture waits (after marking
 * which process opened it, {@code FILE.reader-PID}) until {@link #release()} removes it. A test that kills the process
 * reading it therefore kills a task in the middle of its work, however fast the machine. The marks' names are no
 * picture type: a folder's listing leaves them out.
 */
final class HeldPicture implements AutoCloseable {
    private final Path file;
    private final Path hold;

    HeldPicture(Path file) {
        this.file = file.toAbsolutePath();
        this.hold = this.file.resolveSibling(this.file.getFileName() + ".hold");
    }

    /** The picture as its reader opens it: its {@code held:} URI. */
    static String uri(Path path) {
        return HoldingFileSystem.SCHEME + "://" + path.toAbsolutePath().toUri().getPath();
    }

    /** From now on an open of the picture waits until {@link #release()}. */
    void hold() throws IOException {
        Files.writeString(hold, "");
    }

    /** The processes of {@code candidates} that opened the held picture so far (and wait, if it is still held). */
    List<ProcessHandle> readers(Stream<ProcessHandle> candidates) {
        return candidates.filter(h -> Files.exists(file.resolveSibling(file.getFileName() + ".reader-" + h.pid())))
                .toList();
    }

    /** Lets every waiting reader (and every later one) open the picture. */
    void release() throws IOException {
        Files.deleteIfExists(hold);
    }

    /** Releases the picture (a failed test does not leave the job waiting) and removes the readers' marks. */
    @Override
    public void close() throws IOException {
        release();
        try (Stream<Path> marks = Files.list(file.getParent())) {
            for (Path m : marks.filter(m -> m.getFileName().toString().startsWith(file.getFileName() + ".reader-"))
                    .toList()) {
                Files.deleteIfExists(m);
            }
        }
    }
}
