package org.convnet4j.util;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version of convnet4j in use, as the build wrote it (every module has the same one, docs/RELEASING.md): for an
 * application's bug reports and "about" lines, {@code convnet4j --version} and the server's metadata. Read from this
 * jar's {@code version.properties}, so it is known from the class path, the module path, a shaded jar or the build's
 * class folders alike (a jar manifest's {@code Implementation-Version} is not: no manifest there, or the shaded
 * jar's own).
 */
public final class LibraryVersion {
    private static final String VERSION = read();

    private LibraryVersion() {
    }

    /** For example "0.1.0", or "(unknown version)" when the file is missing (a build that left it out). */
    public static String get() {
        return VERSION;
    }

    private static String read() {
        Properties p = new Properties();
        try (InputStream in = LibraryVersion.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "(unknown version)";
        }
        return p.getProperty("version", "(unknown version)");
    }
}
