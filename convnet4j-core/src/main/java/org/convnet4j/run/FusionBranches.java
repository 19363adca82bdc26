package org.convnet4j.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.fusion.FusionNets;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.zoo.ModelZoo;

/**
 * The branches of a {@link FusionRun} given as text, as {@code convnet4j fuse --branch} and {@code --join-at}
 * take them: the network {@code MODEL} for every input or {@code NAME=MODEL,...} per input, where MODEL is
 * {@value FusionNets#SMALL_CNN} (the default, cut after pool2), a zoo name, or a model file (pretrained); and the
 * layer each is cut after, {@code LAYER} or {@code NAME=LAYER,...} (default: the whole model). Problems are
 * IllegalArgumentExceptions raised when the run asks for a branch.
 */
public final class FusionBranches implements FusionRun.Branches {
    private final String branch;
    private final String joinAt;

    /** {@code branch} and {@code joinAt} may be null (the defaults). */
    public FusionBranches(String branch, String joinAt) {
        this.branch = branch;
        this.joinAt = joinAt;
    }

    /** The network of {@code input} (null: early fusion's single network) and the layer it is cut after. */
    @Override
    public FusionRun.Branch branch(String input, Shape shape, int classes) {
        String net = branchFor(input);
        return new FusionRun.Branch(network(net, shape, classes, input), joinAtFor(input, net));
    }

    private static Model network(String net, Shape input, int classes, String inputName) {
        if (isFile(net)) {
            try {
                Model m = ModelFiles.load(Path.of(net));
                if (!m.inputShapes().equals(List.of(input))) {
                    throw new IllegalArgumentException("branch " + net + " takes " + m.inputShapes() + " but input '"
                            + inputName + "' is " + input);
                }
                return m;
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("branch " + net + ": " + e.getMessage(), e);
            }
        }
        if (net.equals(FusionNets.SMALL_CNN)) {
            return FusionNets.smallCnn(input, classes);
        }
        if (!ModelZoo.contains(net)) {
            throw new IllegalArgumentException("branch '" + net + "' is not " + FusionNets.SMALL_CNN + ", a zoo model "
                    + ModelZoo.names() + " or a model file");
        }
        return ModelZoo.build(net, input, classes);
    }

    private static boolean isFile(String net) {
        return net.endsWith(".c4j") || Files.isRegularFile(Path.of(net));
    }

    private String branchFor(String input) {
        String v = perInput(branch, input, "branch");
        return v == null ? FusionNets.SMALL_CNN : v;
    }

    private String joinAtFor(String input, String net) {
        String v = perInput(joinAt, input, "join-at");
        if (v == null && net.equals(FusionNets.SMALL_CNN)) {
            return "pool2";
        }
        return v;
    }

    /** VALUE, or the value of NAME=VALUE pairs for {@code input}. */
    private static String perInput(String spec, String input, String option) {
        if (spec == null) {
            return null;
        }
        if (!spec.contains("=")) {
            return spec;
        }
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).trim().equals(input)) {
                return part.substring(eq + 1).trim();
            }
        }
        if (input == null) {
            throw new IllegalArgumentException(option + ": early fusion has one network; give a single value");
        }
        return null;
    }
}
