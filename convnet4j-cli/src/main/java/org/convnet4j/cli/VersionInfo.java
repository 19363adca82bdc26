package org.convnet4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** --version: our version, the Java runtime, and which compute kernels (Vector API or scalar) are in use. */
final class VersionInfo implements IVersionProvider {
    private static final String PROVIDER = "org.convnet4j.tensor.kernels.KernelProvider";

    @Override
    public String[] getVersion() {
        return new String[] {
            "convnet4j " + version(),
            "JDK " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                    + System.getProperty("java.vendor") + ") on " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores",
            "compute kernels: " + kernels()
        };
    }

    static String version() {
        Properties p = new Properties();
        try (InputStream in = VersionInfo.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "(unknown version)";
        }
        return p.getProperty("version", "(unknown version)");
    }

    /**
     * Looked up by reflection: the kernel provider lives in core and is chosen there once; the CLI only
     * reports the choice and must not fail if a build lacks it.
     */
    static String kernels() {
        boolean vectorModule = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        String hint = vectorModule ? "" : " (start Java with --add-modules jdk.incubator.vector for the Vector API)";
        try {
            Object k = Class.forName(PROVIDER).getMethod("get").invoke(null);
            return Class.forName("org.convnet4j.tensor.kernels.Kernels").getMethod("name").invoke(k) + hint;
        } catch (ReflectiveOperationException | LinkageError e) {
            return "plain Java loops (no kernel provider in this build)" + hint;
        }
    }
}
