package org.convnet4j.cli;

import org.convnet4j.tensor.kernels.KernelProvider;
import org.convnet4j.util.LibraryVersion;
import picocli.CommandLine.IVersionProvider;

/** --version: our version, the Java runtime, and which compute kernels (Vector API or scalar) are in use. */
final class VersionInfo implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {
            "convnet4j " + LibraryVersion.get(),
            "JDK " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                    + System.getProperty("java.vendor") + ") on " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores",
            "compute kernels: " + KernelProvider.get().name()
                    + (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? ""
                    : " (start Java with --add-modules jdk.incubator.vector for the Vector API)")
        };
    }
}
