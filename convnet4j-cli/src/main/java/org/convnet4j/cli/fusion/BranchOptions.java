package org.convnet4j.cli.fusion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.convnet4j.fusion.FusionNets;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.run.FusionRun;
import org.convnet4j.tensor.Shape;
import org.convnet4j.zoo.ModelZoo;

/**
 * {@code fuse --branch MODEL|NAME=MODEL,...} and {@code --join-at LAYER|NAME=LAYER,...} as the branches of a
 * {@link FusionRun}: small-cnn (the default, cut after pool2), a zoo name, or a model file (pretrained).
 */
public final class BranchOptions implements FusionRun.Branches {
    private final String branch;
    private final String joinAt;

    public BranchOptions(String branch, String joinAt) {
        this.branch = branch;
        this.joinAt = joinAt;
    }

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
                    throw new IllegalArgumentException("--branch " + net + " takes " + m.inputShapes() + " but input '"
                            + inputName + "' is " + input);
                }
                return m;
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("--branch " + net + ": " + e.getMessage(), e);
            }
        }
        if (net.equals(FusionNets.SMALL_CNN)) {
            return FusionNets.smallCnn(input, classes);
        }
        if (!ModelZoo.contains(net)) {
            throw new IllegalArgumentException("--branch: '" + net + "' is not " + FusionNets.SMALL_CNN + ", a zoo model "
                    + ModelZoo.names() + " or a model file");
        }
        return ModelZoo.build(net, input, classes);
    }

    private static boolean isFile(String net) {
        return net.endsWith(".c4j") || Files.isRegularFile(Path.of(net));
    }

    private String branchFor(String input) {
        String v = perInput(branch, input, "--branch");
        return v == null ? FusionNets.SMALL_CNN : v;
    }

    private String joinAtFor(String input, String net) {
        String v = perInput(joinAt, input, "--join-at");
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
