package org.convnet4j.testsupport;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Native code inside a jar: shared libraries ({@code .so}, {@code .dll}, {@code .dylib}, {@code .jnilib}, also
 * versioned as {@code libx.so.1}) and anything under {@code META-INF/native/} (where jansi, netty and others keep
 * theirs). The fat jars' integration tests use it (the README says the command-line jar holds no native library).
 */
public final class NativeLibraries {
    private NativeLibraries() {
    }

    /** Whether a jar entry name is native code. */
    public static boolean isNative(String entry) {
        String n = entry.toLowerCase(Locale.ROOT);
        String file = n.substring(n.lastIndexOf('/') + 1);
        return n.startsWith("meta-inf/native/") || file.endsWith(".so") || file.matches(".*\\.so\\.[0-9.]+")
                || file.endsWith(".dll") || file.endsWith(".dylib") || file.endsWith(".jnilib");
    }

    /** The native entries of a jar (files only), in the jar's order. */
    public static List<String> in(Path jar) throws IOException {
        List<String> found = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (!entry.isDirectory() && isNative(entry.getName())) {
                    found.add(entry.getName());
                }
            }
        }
        return found;
    }

    /**
     * A copy of {@code jar} with more (four-byte) entries {@code planted}: the negative control. The jar is copied
     * as it is and the entries added through the zip file system, so nothing is compressed again.
     */
    public static Path withPlanted(Path jar, List<String> planted, Path dir) throws IOException {
        Path copy = dir.resolve("planted-" + jar.getFileName());
        Files.copy(jar, copy);
        try (FileSystem zip = FileSystems.newFileSystem(copy)) {
            for (String p : planted) {
                Path entry = zip.getPath(p);
                if (entry.getParent() != null) {
                    Files.createDirectories(entry.getParent());
                }
                Files.write(entry, new byte[] {0x7f, 'E', 'L', 'F'});
            }
        }
        return copy;
    }
}
