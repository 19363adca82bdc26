package org.convnet4j.io.weights;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.convnet4j.checkpoint.CheckpointMismatchException;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.train.TrainingCheckpoints;

/**
 * Assignments of a foreign file's weights to a model's parameters, checked as a whole before any value is read.
 *
 * <p>Importers first describe every assignment with the shapes the file's header gives; {@link #execute} then
 * fails with one {@link CheckpointMismatchException} listing every missing, unexpected and mis-shaped weight,
 * or reads and converts the weights one at a time into the parameters (so at most one foreign tensor is held
 * in memory besides the model), refusing the first that holds a NaN or an infinity (named as the file names it).
 * A read error or such a refusal during that second phase leaves the model partly loaded; it is reported as an
 * exception, so the caller discards the model.
 */
public final class WeightLoadPlan {
    /** Reads one weight's values, in the file's layout. */
    @FunctionalInterface
    public interface Source {
        float[] read() throws IOException;
    }

    private record Step(Parameter target, String sourceName, Source source, UnaryOperator<float[]> convert,
                        float constant) {
    }

    private final String origin;
    private final String modelName;
    private final List<Step> steps = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();
    private final List<String> unexpected = new ArrayList<>();
    private final List<String> mismatched = new ArrayList<>();
    private final List<String> mismatchText = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public WeightLoadPlan(String origin, String modelName) {
        this.origin = origin;
        this.modelName = modelName;
    }

    /**
     * Fill {@code target} (full name {@code targetName}) from {@code source}, whose values {@code convert}
     * turns into our layout; {@code convertedShape} is the shape that conversion gives for the file's shape
     * {@code fileShape}, checked against the parameter now.
     */
    public void assign(String targetName, Parameter target, String sourceName, int[] fileShape, Shape convertedShape,
                       Source source, UnaryOperator<float[]> convert) {
        if (convertedShape == null || !convertedShape.equals(target.shape())) {
            mismatched.add(targetName);
            mismatchText.add(targetName + " is " + target.shape() + " in the model and " + Arrays.toString(fileShape)
                    + " in the file (" + sourceName + ")");
            return;
        }
        steps.add(new Step(target, sourceName, source, convert, 0f));
    }

    /** Fill {@code target} with a constant (e.g. gamma = 1 for a Keras batch norm without scale). */
    public void fill(Parameter target, float value) {
        steps.add(new Step(target, null, null, null, value));
    }

    /** A model parameter the file has no value for. */
    public void missing(String targetName) {
        missing.add(targetName);
    }

    /** A file weight the model has no place for. */
    public void unexpected(String sourceName) {
        unexpected.add(sourceName);
    }

    /** A shape or kind problem described in words. */
    public void mismatch(String name, String text) {
        mismatched.add(name);
        mismatchText.add(text);
    }

    /** A remark for the report (layers skipped on purpose, constants filled in). */
    public void note(String text) {
        notes.add(text);
    }

    public boolean hasProblems() {
        return !missing.isEmpty() || !unexpected.isEmpty() || !mismatched.isEmpty();
    }

    /**
     * Fails as {@link #execute} does when there are problems, or returns the report {@code execute} would give, without
     * reading a source or touching a parameter's values (so the targets may be shapes only).
     */
    public ImportReport verify() {
        failOnProblems();
        long values = 0;
        int tensors = 0;
        for (Step s : steps) {
            values += s.target().shape().size();
            if (s.source() != null) {
                tensors++;
            }
        }
        return new ImportReport(tensors, values, notes);
    }

    /** Fails listing every problem, or loads every weight. */
    public ImportReport execute() throws IOException {
        failOnProblems();
        long values = 0;
        int tensors = 0;
        for (Step s : steps) {
            Tensor value = s.target().value();
            if (s.source() == null) {
                value.fill(s.constant());
            } else {
                float[] read = s.source().read();
                // as a .c4j's are: a NaN or an infinity in a weight gives plausible but meaningless outputs
                TrainingCheckpoints.requireFinite(read, s.sourceName(), origin);
                float[] v = s.convert().apply(read);
                if (v.length != value.size()) {
                    throw new IOException(origin + ": weight for " + s.target().name() + " has " + v.length
                            + " values, expected " + value.size());
                }
                System.arraycopy(v, 0, value.data(), 0, v.length);
                tensors++;
            }
            s.target().markLoaded();
            values += value.size();
        }
        return new ImportReport(tensors, values, notes);
    }

    private void failOnProblems() {
        if (hasProblems()) {
            List<String> parts = new ArrayList<>();
            if (!missing.isEmpty()) {
                parts.add("missing in the file: " + String.join(", ", missing));
            }
            if (!unexpected.isEmpty()) {
                parts.add("not in the model: " + String.join(", ", unexpected));
            }
            if (!mismatched.isEmpty()) {
                parts.add("shape mismatch: " + String.join("; ", mismatchText));
            }
            throw new CheckpointMismatchException(origin + " does not fit model " + modelName + ": "
                    + String.join("; ", parts), missing, unexpected, mismatched);
        }
    }
}
