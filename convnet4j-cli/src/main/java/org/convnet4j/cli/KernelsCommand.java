package org.convnet4j.cli;

import java.io.PrintWriter;
import java.util.List;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.vision.ClassicKernels;
import org.convnet4j.vision.MatrixText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Lists the named kernels with their matrices. */
@Command(name = "kernels", resourceBundle = "org.convnet4j.cli.help.kernels")
final class KernelsCommand extends CliCommand {
    @Parameters(paramLabel = "NAME", arity = "0..*")
    List<String> names;

    @Override
    public Integer call() {
        PrintWriter out = out();
        if (names != null && !names.isEmpty()) {
            // Resolve all first: an unknown name fails before anything is printed.
            List<Tensor> kernels = names.stream().map(ClassicKernels::byName).toList();
            for (int i = 0; i < names.size(); i++) {
                print(out, names.get(i), kernels.get(i));
            }
            return 0;
        }
        for (String name : ClassicKernels.names()) {
            Tensor k;
            try {
                k = ClassicKernels.byName(name);
            } catch (IllegalArgumentException patternNotName) {
                // Entries such as "boxN" and "gaussian:SIGMA" describe a family, not one kernel.
                out.println(name + ": a family, e.g. " + (name.startsWith("box") ? "box3, box4, box7" : "gaussian:0.8, gaussian:2"));
                out.println();
                continue;
            }
            print(out, name, k);
        }
        out.println("Your own kernel: a text file with one row per line, e.g. '1 0 -1' (see 'convnet4j convolve --help').");
        return 0;
    }

    private static void print(PrintWriter out, String name, Tensor k) {
        out.println(name + " (" + k.dim(0) + "x" + k.dim(1) + ")");
        out.print(MatrixText.format(k, "  "));
        out.println();
    }
}
