package org.convnet4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.vision.ClassicKernels;
import org.convnet4j.vision.KernelFile;

/**
 * Resolves {@code --kernel}: an existing file is read as a kernel file, anything else is a kernel name.
 * A name that is unknown but looks like a file name (has a '/' or an extension) is reported as a missing
 * file, which is what the user most likely meant.
 */
final class KernelArgument {
    private KernelArgument() {
    }

    static Tensor resolve(String arg) {
        Path p = Path.of(arg);
        if (Files.isRegularFile(p)) {
            return KernelFile.read(p);
        }
        if (Files.exists(p)) {
            throw new BadInputException(arg + ": kernel file is not a regular file");
        }
        try {
            return ClassicKernels.byName(arg);
        } catch (IllegalArgumentException e) {
            if (arg.contains("/") || arg.contains("\\") || arg.matches(".*\\.[A-Za-z][A-Za-z0-9]*")) {
                throw new BadInputException(arg + ": kernel file not found (and it is not a kernel name; see 'convnet4j kernels')");
            }
            // Only an unknown name gets the hint; a known family with a bad argument (gaussian:abc) does not.
            boolean unknown = e.getMessage() != null && e.getMessage().startsWith("unknown kernel");
            throw new BadInputException(e.getMessage() + (unknown ? "; or give a kernel file (see 'convnet4j kernels')" : ""), e);
        }
    }
}
