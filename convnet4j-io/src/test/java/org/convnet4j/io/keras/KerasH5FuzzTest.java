package org.convnet4j.io.keras;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.convnet4j.checkpoint.FileFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged .h5 files end in a clean error naming the file (or, if the damage hit only padding or weight values,
 * load normally); never an unchecked exception from the HDF5 parser, an OutOfMemoryError or a hang. The timeout
 * is a guard against hangs, far above the normal run time, not a speed assertion.
 */
@Timeout(120)
class KerasH5FuzzTest {
    @TempDir
    Path dir;

    @Test
    void truncatedFilesFailCleanly() throws IOException {
        byte[] good = Files.readAllBytes(Fixtures.path("vgg16_notop.h5"));
        for (int cut : new int[] {0, 4, 8, 100, 500, 2000, good.length / 3, good.length / 2, good.length - 100}) {
            Path p = dir.resolve("cut" + cut + ".h5");
            Files.write(p, java.util.Arrays.copyOf(good, cut));
            tryLoad(p);
        }
    }

    @Test
    void bitFlippedFilesFailCleanly() throws IOException {
        Random r = new Random(7);
        for (String name : new String[] {"vgg16_notop.h5", "resnet50_keras2.h5"}) {
            byte[] good = Files.readAllBytes(Fixtures.path(name));
            for (int trial = 0; trial < 60; trial++) {
                byte[] bad = good.clone();
                // damage the structures near the start (superblock, root group, headers) more often than data
                int span = trial % 2 == 0 ? Math.min(good.length, 4096) : good.length;
                for (int k = 0; k < 1 + trial % 4; k++) {
                    int at = r.nextInt(span);
                    bad[at] ^= (byte) (1 << r.nextInt(8));
                }
                Path p = dir.resolve(name + trial + ".h5");
                Files.write(p, bad);
                tryLoad(p);
            }
        }
    }

    private static void tryLoad(Path p) {
        try (KerasH5File f = KerasH5File.open(p)) {
            String arch = KerasApplications.detect(f);
            KerasApplications.load(f, arch, null);
        } catch (FileFormatException e) {
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        } catch (IllegalArgumentException e) { // includes CheckpointMismatchException
            // damage to a shape or name: the file no longer fits the architecture, reported as such
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
        } catch (IOException e) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(p.getFileName().toString()), e.getMessage());
        } catch (RuntimeException | OutOfMemoryError e) {
            fail(p + ": " + e, e);
        }
    }
}
