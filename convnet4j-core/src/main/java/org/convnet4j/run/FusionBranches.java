package org.convnet4j.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * <p>
 * A model file fixes the shape of its input: {@link #inputShapes} says which, so that the input's pictures are
 * converted to it when they are read; early fusion's one network as a file fixes the size every input is read at
 * ({@link #resizeFor}). The file is read once: the model read for {@link #inputShapes} is the one the
 * run's first {@link #branch} call for that file gets.
 */
public final class FusionBranches implements FusionRun.Branches {
    private final String branch;
    private final String joinAt;
    private final Map<String, Model> read = new HashMap<>();

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

    /**
     * The input shape each of {@code inputs} must have because its branch (intermediate fusion) or member (late
     * fusion) is a model file taking one picture input [1 or 3, H, W]: for
     * {@link org.convnet4j.fusion.FusionSources#load}, which converts the input's pictures to it. Early fusion's one
     * network takes the inputs stacked: none is fixed there.
     *
     * @throws IllegalArgumentException when a model file cannot be read
     */
    public Map<String, Shape> inputShapes(FusionRun.Settings settings, Collection<String> inputs) {
        Map<String, Shape> out = new LinkedHashMap<>();
        if (settings.mode().equals("early")) {
            return out;
        }
        for (String input : inputs) {
            String net = branchFor(input);
            if (isFile(net)) {
                List<Shape> shapes = read.computeIfAbsent(net, FusionBranches::load).inputShapes();
                Shape s = shapes.get(0);
                if (shapes.size() == 1 && s.rank() == 3 && (s.dim(0) == 1 || s.dim(0) == 3)) {
                    out.put(input, s);
                }
            }
        }
        return out;
    }

    /**
     * The height and width to read the inputs at: for early fusion whose one network is a model file taking one
     * picture input [C, H, W], {H, W} (its inputs' channels are stacked into C, so each must be H x W), said in one line
     * to {@code notes} ("converting: ..."); otherwise {@code resize} as given (null: the inputs' own sizes). Pass
     * the result to {@link org.convnet4j.fusion.FusionSources#load} as its {@code resize}.
     *
     * @throws IllegalArgumentException when the model file cannot be read
     */
    public int[] resizeFor(FusionRun.Settings settings, int[] resize, java.util.function.Consumer<String> notes) {
        if (!settings.mode().equals("early")) {
            return resize;
        }
        String net = branchFor(null);
        if (!isFile(net)) {
            return resize;
        }
        List<Shape> shapes = read.computeIfAbsent(net, FusionBranches::load).inputShapes();
        Shape s = shapes.get(0);
        if (shapes.size() != 1 || s.rank() != 3) {
            return resize;
        }
        int[] size = {s.dim(1), s.dim(2)};
        if (resize == null || resize[0] != size[0] || resize[1] != size[1]) {
            notes.accept("converting: early fusion's network " + net + " takes " + s + " (the inputs' channels"
                    + " stacked): every input is read at " + size[0] + "x" + size[1]
                    + (resize == null ? "" : ", not --resize's " + resize[0] + "x" + resize[1]));
        }
        return size;
    }

    private Model network(String net, Shape input, int classes, String inputName) {
        if (isFile(net)) {
            Model m = read.containsKey(net) ? read.remove(net) : load(net);
            if (!m.inputShapes().equals(List.of(input))) {
                throw new IllegalArgumentException(inputName == null
                        ? "early fusion's network " + net + " takes " + m.inputShapes() + " but the inputs' channels"
                                + " stacked give " + input + " (the inputs' channels must add up to the network's)"
                        : "branch " + net + " takes " + m.inputShapes() + " but input '" + inputName + "' is " + input);
            }
            return m;
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

    private static Model load(String net) {
        try {
            return ModelFiles.load(Path.of(net));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("branch " + net + ": " + e.getMessage(), e);
        }
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
