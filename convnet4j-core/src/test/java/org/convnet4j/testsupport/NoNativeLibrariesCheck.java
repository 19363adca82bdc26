package org.convnet4j.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The integration test of a fat jar (run by failsafe after {@code package}, the jar named by the system property
 * {@code convnet4j.fatJar}): it holds no native library, and the check finds one when one is planted.
 */
public abstract class NoNativeLibrariesCheck {
    /** A class the jar must hold (so that the right jar is checked). */
    protected abstract String ownClass();

    protected Path jar() {
        String p = System.getProperty("convnet4j.fatJar");
        assertNotNull(p, "system property convnet4j.fatJar (set by the module's failsafe configuration)");
        Path jar = Path.of(p);
        assertTrue(Files.isRegularFile(jar), "the shaded jar " + jar + " (built by package)");
        return jar;
    }

    @Test
    void theFatJarHoldsNoNativeLibrary() throws Exception {
        Path jar = jar();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            assertNotNull(zip.getEntry(ownClass()), jar + " holds " + ownClass());
            assertTrue(zip.size() > 100, jar + ": " + zip.size() + " entries");
        }
        assertEquals(List.of(), NativeLibraries.in(jar), jar + " holds native libraries");
    }

    @Test
    void plantedNativeLibrariesAreFound(@TempDir Path tmp) throws Exception {
        List<String> planted = List.of("org/fusesource/jansi/internal/native/Linux/x86_64/libjansi.so",
                "lib/libplanted.so.1.2", "win/planted.DLL", "META-INF/native/libnetty.jnilib",
                "META-INF/native/osx/libx.dylib", "META-INF/native/readme.txt");
        Path bad = NativeLibraries.withPlanted(jar(), planted, tmp);
        assertEquals(new TreeSet<>(planted), new TreeSet<>(NativeLibraries.in(bad)));
        assertEquals(List.of(), NativeLibraries.in(NativeLibraries.withPlanted(jar(), List.of("lib/libso.txt",
                "org/x/Sonata.class", "META-INF/nativeness.txt"), Files.createDirectories(tmp.resolve("ok")))),
                "names that only look native");
    }
}
