package org.convnet4j.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Java code blocks of the README compiled and run by tests (the CLI's and Spark's README example tests share it):
 * a block's imports stay on top and its statements become the body of {@code public static void run()} of a class
 * with a {@code public static DIR} field for the files it names; javac compiles it against the test class path.
 */
public final class JavaSnippets {
    private JavaSnippets() {
    }

    /**
     * The class {@code name}: the block's {@code import} lines, then its other lines as the body of {@code run()};
     * {@code dirType} is the type of the {@code DIR} field ({@code "java.nio.file.Path"} or {@code "String"}).
     */
    public static String wrap(String name, String code, String dirType) {
        StringBuilder imports = new StringBuilder();
        StringBuilder body = new StringBuilder();
        for (String line : code.split("\n")) {
            (line.startsWith("import ") ? imports : body).append(line).append('\n');
        }
        return imports + "\npublic class " + name + " {\n    public static " + dirType + " DIR;\n\n"
                + "    public static void run() throws Exception {\n" + body + "\n    }\n}\n";
    }

    /** Compiles {@code sources} into {@code classes} against the test class path; javac's messages, or "" when it compiled. */
    public static String compile(Path classes, List<Path> sources) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-classpath", classPath(), "-d", classes.toString(), "-proc:none"));
        sources.forEach(s -> args.add(s.toString()));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, null, errors, args.toArray(String[]::new));
        String text = errors.toString(StandardCharsets.UTF_8);
        return rc == 0 ? "" : text.isEmpty() ? "javac exit code " + rc : text;
    }

    /** The test class path; under surefire's manifest-only jar, the entries its manifest lists. */
    public static String classPath() throws IOException {
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            out.add(e);
            if (e.endsWith(".jar") && e.contains("surefire")) {
                try (JarFile jar = new JarFile(e)) {
                    String cp = jar.getManifest() == null ? null
                            : jar.getManifest().getMainAttributes().getValue("Class-Path");
                    if (cp != null) {
                        for (String u : cp.trim().split("\\s+")) {
                            out.add(Path.of(java.net.URI.create(u)).toString());
                        }
                    }
                } catch (IllegalArgumentException ignored) {
                    // a relative Class-Path entry: javac resolves those itself
                }
            }
        }
        return String.join(File.pathSeparator, out);
    }
}
