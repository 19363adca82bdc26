package org.convnet4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * A class-data-sharing archive (JDK 17 AppCDS, dynamic) of the classes a Spark JVM loads from this module's test class
 * path, for the JVMs the tests start from it (masters, workers, drivers, CLI runs): each of them then maps Spark's,
 * Scala's, Hadoop's and convnet4j's classes instead of loading, parsing and verifying them from ~200 jars (about half
 * the CPU of a Spark JVM's start: docs/SPARK.md, "Test time (session 10)").
 *
 * <p>Made once per build, in the background from the test JVM's start ({@link SparkCdsEarly}; the first test that
 * starts a JVM waits for it), into {@code target/spark-cds.jsa}: one JVM runs
 * {@link CdsWorkload} (a local[2] train, predict and featurize) with {@code -XX:ArchiveClassesAtExit}. Never a
 * requirement: when it cannot be made (or with {@code -Dconvnet4j.test.cds=false}) the JVMs start without it, and the
 * JVM itself ignores a stale or mismatched archive; {@code -Xlog:cds=off} keeps it from saying so on stdout, so the
 * one-line contract of the CLI's failure paths holds either way.
 *
 * <p>A dynamic archive serves a JVM whose class path starts with the archive's, which may hold no directory with
 * classes: {@link #classPath()}, the class path of the archive and of every JVM the tests start, is the test class
 * path's jars, then one jar of this module's test classes and classes, then anything else of the test class path.
 */
public final class SparkCds {
    private static final Path TARGET = target();
    private static final Path ARCHIVE = TARGET.resolve("spark-cds.jsa");
    private static List<String> options;

    private SparkCds() {
    }

    /**
     * The class path of the JVMs the tests start: the test class path's jars except this module's, then one jar of this
     * module's test classes and classes ({@code target/spark-cds-classes.jar}, rewritten only when they change), the
     * archive's class path.
     */
    public static synchronized String classPath() {
        if (classPath == null) {
            try {
                classPath = archivedJars() + java.io.File.pathSeparator + ownJar() + others();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return classPath;
    }

    private static String classPath;

    /**
     * The JVM options that use the archive (made first if it is missing or older than a jar; when {@link #early} is
     * making it, once that is done), or none when it cannot be made.
     */
    public static synchronized List<String> options() {
        if (options == null) {
            options = enabled() && ensure()
                    ? List.of("-XX:SharedArchiveFile=" + ARCHIVE, "-Xshare:auto", "-Xlog:cds=off",
                            "-Xlog:cds+dynamic=off")
                    : List.of();
        }
        return options;
    }

    private static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty("convnet4j.test.cds", "true"));
    }

    private static final java.util.concurrent.atomic.AtomicBoolean EARLY = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Starts {@link #options()} (making the archive if it is missing or stale) in a thread of its own, once per JVM,
     * when the test JVM starts ({@link SparkCdsEarly}): the test classes that start no JVM run meanwhile instead of
     * after it (it takes about 15-25 s on 2 quiet cores); the first test that needs the archive waits for the rest.
     * A dump still running when the JVM exits (no test needed it) is stopped.
     */
    static void early() {
        if (enabled() && EARLY.compareAndSet(false, true)) {
            Thread t = new Thread(SparkCds::options, "spark-cds-early");
            t.setDaemon(true);
            t.start();
        }
    }

    /**
     * The test class path's entries that are neither an archived jar nor this module's (another module's classes
     * folder, when a reactor build stops before the package phase): kept, after the archive's part (a folder there
     * keeps the archive from being made; the JVMs then start without it).
     */
    private static String others() {
        StringBuilder b = new StringBuilder();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!isArchived(e) && !Path.of(e).toAbsolutePath().normalize().startsWith(TARGET)) {
                b.append(java.io.File.pathSeparator).append(e);
            }
        }
        return b.toString();
    }

    private static boolean isArchived(String entry) {
        Path p = Path.of(entry).toAbsolutePath().normalize();
        return entry.endsWith(".jar") && Files.isRegularFile(p) && !p.startsWith(TARGET);
    }

    private static String archivedJars() {
        List<String> jars = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (isArchived(e)) {
                jars.add(e);
            }
        }
        return String.join(java.io.File.pathSeparator, jars);
    }

    private static boolean ensure() {
        Path recorded = TARGET.resolve("spark-cds.classpath");
        String cp = classPath();
        try (FileChannel ch = FileChannel.open(TARGET.resolve("spark-cds.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
            if (upToDate(cp, recorded)) {
                return true;
            }
            String folder = folderOf(cp);
            if (folder != null) {
                // a build that stops before the package phase (mvn test): the dump would run its whole workload, then
                // fail ("Cannot have non-empty directory in paths"); made early, it would do so in every such run
                System.out.println("SparkCds: no archive: " + folder + " is a folder on the class path (a dynamic"
                        + " archive takes none; the jars come with the package phase): the JVMs start without it");
                return false;
            }
            long t0 = System.nanoTime();
            boolean made = make(cp);
            System.out.printf("SparkCds: %s %s in %.1f s%n", made ? "made" : "could not make", ARCHIVE,
                    (System.nanoTime() - t0) / 1e9);
            if (made) {
                Files.writeString(recorded, cp);
            }
            return made;
        } catch (IOException | RuntimeException e) {
            System.out.println("SparkCds: no archive: " + e);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The first entry of {@code cp} that is a folder holding anything, or null. */
    private static String folderOf(String cp) throws IOException {
        for (String e : cp.split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            if (Files.isDirectory(p)) {
                try (Stream<Path> files = Files.list(p)) {
                    if (files.findAny().isPresent()) {
                        return e;
                    }
                }
            }
        }
        return null;
    }

    private static boolean upToDate(String cp, Path recorded) throws IOException {
        if (!Files.isRegularFile(ARCHIVE) || !Files.isRegularFile(recorded) || !Files.readString(recorded).equals(cp)) {
            return false;
        }
        FileTime made = Files.getLastModifiedTime(ARCHIVE);
        for (String jar : cp.split(java.io.File.pathSeparator)) {
            if (Files.getLastModifiedTime(Path.of(jar)).compareTo(made) > 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * One JVM on the archive's class path runs {@link CdsWorkload} (a small local[2] train, predict and featurize); the
     * archive is written when it exits.
     */
    private static boolean make(String cp) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory(TARGET, "spark-cds");
        try {
            Path tmp = work.resolve("spark-cds.jsa");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            for (String a : System.getProperty("convnet4j.spark.testJvmArgs", "").trim().split("\\s+")) {
                if (!a.isEmpty()) {
                    cmd.add(a);
                }
            }
            cmd.addAll(List.of("-Xmx1g", "-XX:ArchiveClassesAtExit=" + tmp, "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
                    "-cp", cp, CdsWorkload.class.getName(), work.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve("log").toFile())
                    .start();
            // made early (SparkCds.early) for tests that end before it does: not left running after this JVM
            Thread reaper = new Thread(() -> {
                p.destroyForcibly();
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                deleteTree(work);
            }, "spark-cds-reaper");
            Runtime.getRuntime().addShutdownHook(reaper);
            try {
                // ~15-30 s on 2 quiet cores; minutes on a loaded machine
                if (!p.waitFor(900, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    return false;
                }
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(reaper);
                } catch (IllegalStateException exiting) {
                    // the JVM is exiting: the hook runs
                }
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(tmp)) {
                System.out.println("SparkCds: the workload exited with " + p.exitValue() + ": "
                        + tail(Files.readString(work.resolve("log"))));
                return false;
            }
            Files.move(tmp, ARCHIVE, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } finally {
            deleteTree(work);
        }
    }

    /**
     * {@code target/spark-cds-classes.jar}: this module's test classes, then its classes (the first of a name wins, as
     * on the class path), in a fixed order with fixed times, so that the same classes make the same bytes: it is
     * rewritten (and the archive with it) only when they change.
     */
    private static String ownJar() throws IOException {
        Path jar = TARGET.resolve("spark-cds-classes.jar");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes)) {
            java.util.Set<String> added = new java.util.HashSet<>();
            for (String dir : List.of("test-classes", "classes")) {
                if (Files.isDirectory(TARGET.resolve(dir))) {
                    addTree(out, TARGET.resolve(dir), added);
                }
            }
        }
        byte[] b = bytes.toByteArray();
        if (!Files.isRegularFile(jar) || !java.util.Arrays.equals(b, Files.readAllBytes(jar))) {
            Path tmp = Files.createTempFile(TARGET, "spark-cds-classes", ".jar");
            Files.write(tmp, b);
            Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return jar.toString();
    }

    private static String tail(String s) {
        return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    }

    /** Adds the files under {@code root} not added yet (the first of a name wins, as on a class path). */
    private static void addTree(JarOutputStream out, Path root, java.util.Set<String> added) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = root.relativize(f).toString().replace(java.io.File.separatorChar, '/');
                if (!added.add(name)) {
                    continue;
                }
                ZipEntry e = new ZipEntry(name);
                e.setTime(0);
                out.putNextEntry(e);
                try (InputStream in = Files.newInputStream(f)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder in target/: left for mvn clean
        }
    }

    /** This module's target folder (the parent of the test classes). */
    private static Path target() {
        try {
            return Path.of(SparkCds.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent()
                    .toAbsolutePath().normalize();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
