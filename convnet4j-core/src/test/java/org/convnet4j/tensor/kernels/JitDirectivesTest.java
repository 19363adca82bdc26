package org.convnet4j.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directive file of a process killed between writing and deleting it is removed by the next run. */
class JitDirectivesTest {
    @Test
    void onlyFilesOfProcessesThatAreGoneAreRemoved(@TempDir Path dir) throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Process alive = new ProcessBuilder("sleep", "60").start();
        try {
            String prefix = JitDirectives.FILE_PREFIX;
            Files.writeString(dir.resolve(prefix + dead.pid() + ".json"), "[]");
            Files.writeString(dir.resolve(prefix + alive.pid() + ".json"), "[]");
            Files.writeString(dir.resolve(prefix + ProcessHandle.current().pid() + ".json"), "[]");
            Files.writeString(dir.resolve(prefix + "x1.json"), "[]"); // not a process id: not ours to judge
            Files.writeString(dir.resolve("convnet4j-jit123.json"), "[]"); // the old random names: left alone
            JitDirectives.removeDeadProcessesFiles(dir);
            try (var s = Files.list(dir)) {
                assertEquals(List.of("convnet4j-jit123.json", prefix + ProcessHandle.current().pid() + ".json",
                                prefix + alive.pid() + ".json", prefix + "x1.json").stream().sorted().toList(),
                        s.map(p -> p.getFileName().toString()).sorted().toList());
            }
        } finally {
            alive.destroyForcibly();
        }
    }
}
