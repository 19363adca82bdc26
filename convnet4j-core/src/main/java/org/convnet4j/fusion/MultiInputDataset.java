package org.convnet4j.fusion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convnet4j.data.Dataset;
import org.convnet4j.data.Datasets;
import org.convnet4j.data.Transform;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * A labelled dataset whose samples have several named inputs (modalities), each of its own shape: pixels
 * [1, 28, 28] with edge maps [2, 28, 28], RGB [3, 64, 64] with depth [1, 32, 32]. Sample i of every input
 * belongs to the same object and has the same label. It feeds multi-input {@link org.convnet4j.nn.Graph}s
 * through {@link Dataset#inputShapes()} / {@link Dataset#copyInput}, the inputs in {@link #inputNames()} order
 * (which must be the graph's input order).
 *
 * <p>Sources: {@link #of(Map)} joins in-memory datasets (checking sizes, classes and labels),
 * {@link PairedFolders} pairs image folders by file name, {@link FashionMnistSobel} derives two modalities
 * from Fashion-MNIST.
 */
public final class MultiInputDataset implements Dataset {
    private final List<String> names;
    private final List<Dataset> inputs;

    private MultiInputDataset(List<String> names, List<Dataset> inputs) {
        this.names = List.copyOf(names);
        this.inputs = List.copyOf(inputs);
    }

    /**
     * Joins single-input datasets, one per modality (map order = input order). They must have the same size, the
     * same class names and, sample by sample, the same label; the first difference is reported by name.
     */
    public static MultiInputDataset of(Map<String, ? extends Dataset> byName) {
        if (byName.isEmpty()) {
            throw new IllegalArgumentException("MultiInputDataset: no inputs given");
        }
        List<String> names = new ArrayList<>(byName.keySet());
        List<Dataset> sets = new ArrayList<>(byName.values());
        String n0 = names.get(0);
        Dataset d0 = sets.get(0);
        for (int k = 0; k < names.size(); k++) {
            String n = names.get(k);
            Dataset d = sets.get(k);
            if (n == null || n.isEmpty() || n.contains(".") || n.contains("/") || n.contains("=") || n.contains(",")) {
                throw new IllegalArgumentException("MultiInputDataset: input name '" + n
                        + "' must be non-empty without '.', '/', '=' or ','");
            }
            if (d.inputShapes().size() != 1) {
                throw new IllegalArgumentException("MultiInputDataset: input '" + n + "' is itself a multi-input dataset");
            }
            if (d.size() != d0.size()) {
                throw new IllegalArgumentException("MultiInputDataset: input '" + n + "' has " + d.size()
                        + " samples but '" + n0 + "' has " + d0.size());
            }
            if (!d.classNames().equals(d0.classNames())) {
                throw new IllegalArgumentException("MultiInputDataset: input '" + n + "' has classes " + d.classNames()
                        + " but '" + n0 + "' has " + d0.classNames());
            }
            for (int i = 0; i < d.size(); i++) {
                if (d.label(i) != d0.label(i)) {
                    throw new IllegalArgumentException("MultiInputDataset: sample " + i + " is labelled '"
                            + d.classNames().get(d.label(i)) + "' in input '" + n + "' but '"
                            + d0.classNames().get(d0.label(i)) + "' in '" + n0 + "' (are the inputs in the same order?)");
                }
            }
        }
        return new MultiInputDataset(names, sets);
    }

    public List<String> inputNames() {
        return names;
    }

    /** The single-input dataset of one modality (aligned with this one: sample i is the same object). */
    public Dataset input(String name) {
        return inputs.get(indexOf(name));
    }

    public int indexOf(String name) {
        int k = names.indexOf(name);
        if (k < 0) {
            throw new IllegalArgumentException("MultiInputDataset: no input '" + name + "'; inputs: " + names);
        }
        return k;
    }

    /** Input name to per-sample shape, in input order. */
    public Map<String, Shape> shapesByName() {
        Map<String, Shape> m = new LinkedHashMap<>();
        for (int k = 0; k < names.size(); k++) {
            m.put(names.get(k), inputs.get(k).sampleShape());
        }
        return m;
    }

    /**
     * The same data with its inputs in the order {@code names} (a model's {@code Graph.inputNames()}): a model
     * takes its inputs as a list, so the order must match. Fails naming missing or extra inputs.
     */
    public MultiInputDataset orderedFor(List<String> modelInputs) {
        if (!new java.util.HashSet<>(modelInputs).equals(new java.util.HashSet<>(names)) || modelInputs.size() != names.size()) {
            throw new IllegalArgumentException("the model takes inputs " + modelInputs + " but the data has " + names);
        }
        Map<String, Dataset> m = new LinkedHashMap<>();
        for (String n : modelInputs) {
            m.put(n, input(n));
        }
        return new MultiInputDataset(new ArrayList<>(m.keySet()), new ArrayList<>(m.values()));
    }

    /** The same samples with input {@code name} replaced by {@code replacement} (same size and labels). */
    public MultiInputDataset withInput(String name, Dataset replacement) {
        Map<String, Dataset> m = new LinkedHashMap<>();
        for (int k = 0; k < names.size(); k++) {
            m.put(names.get(k), k == indexOf(name) ? replacement : inputs.get(k));
        }
        return of(m);
    }

    /** The same samples with input {@code name} corrupted at read time (robustness tests). */
    public MultiInputDataset corrupted(String name, Corruption corruption) {
        return withInput(name, corruption.apply(input(name)));
    }

    /** Every input resampled (bilinear) to height x width, e.g. to concatenate channels in early fusion. */
    public MultiInputDataset resized(int height, int width) {
        Map<String, Dataset> m = new LinkedHashMap<>();
        for (int k = 0; k < names.size(); k++) {
            Dataset d = inputs.get(k);
            Shape s = d.sampleShape();
            boolean same = s.rank() == 3 && s.dim(1) == height && s.dim(2) == width;
            m.put(names.get(k), same ? d : Datasets.transformed(d, new Transform.Resize(height, width)));
        }
        return of(m);
    }

    /** The samples at {@code indices}, every input alike. */
    public MultiInputDataset view(int[] indices) {
        Map<String, Dataset> m = new LinkedHashMap<>();
        for (int k = 0; k < names.size(); k++) {
            m.put(names.get(k), Datasets.view(inputs.get(k), indices));
        }
        return new MultiInputDataset(names, new ArrayList<>(m.values()));
    }

    /** The first {@code n} samples (all if there are fewer). */
    public MultiInputDataset limit(int n) {
        if (n >= size()) {
            return this;
        }
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return view(idx);
    }

    /**
     * A seeded split stratified by class ({@link Datasets#stratifiedIndices}: each class's share of the validation
     * part within one picture of its share overall, at least one training picture kept per class), keeping the
     * inputs together.
     */
    public record Split(MultiInputDataset train, MultiInputDataset validation) {
    }

    public Split split(double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("MultiInputDataset.split: validation fraction " + validationFraction
                    + " must be between 0 and 1 (exclusive)");
        }
        int n = size();
        if (Math.max(1, Math.round(n * validationFraction)) >= n) {
            throw new IllegalArgumentException("MultiInputDataset.split: " + n + " samples are too few to split");
        }
        int[][] parts;
        try {
            parts = Datasets.stratifiedIndices(this, validationFraction, seed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("MultiInputDataset.split: " + n + " samples are too few to split ("
                    + e.getMessage() + ")", e);
        }
        return new Split(view(parts[0]), view(parts[1]));
    }

    // ---- Dataset --------------------------------------------------------------------------------

    @Override
    public int size() {
        return inputs.get(0).size();
    }

    /** The shape of the only input; a dataset of several inputs has none and says so. */
    @Override
    public Shape sampleShape() {
        if (inputs.size() != 1) {
            throw new UnsupportedOperationException("multi-input dataset " + shapesByName()
                    + " has no single sample shape; use inputShapes() (a multi-input model is needed)");
        }
        return inputs.get(0).sampleShape();
    }

    @Override
    public List<Shape> inputShapes() {
        return inputs.stream().map(Dataset::sampleShape).toList();
    }

    @Override
    public int numClasses() {
        return inputs.get(0).numClasses();
    }

    @Override
    public List<String> classNames() {
        return inputs.get(0).classNames();
    }

    @Override
    public void copySample(int index, float[] dest, int destOff) {
        copySample(index, dest, destOff, null);
    }

    @Override
    public void copySample(int index, float[] dest, int destOff, Random random) {
        sampleShape(); // fails for several inputs
        inputs.get(0).copySample(index, dest, destOff, random);
    }

    @Override
    public void copyInput(int input, int index, float[] dest, int destOff, Random random) {
        if (input < 0 || input >= inputs.size()) {
            throw new IndexOutOfBoundsException("MultiInputDataset.copyInput: input " + input + " of " + inputs.size());
        }
        inputs.get(input).copySample(index, dest, destOff, random);
    }

    /** Every input of sample {@code index} as tensors, in input order. */
    public List<Tensor> samples(int index) {
        List<Tensor> out = new ArrayList<>();
        for (Dataset d : inputs) {
            out.add(d.sample(index));
        }
        return out;
    }

    @Override
    public int label(int index) {
        return inputs.get(0).label(index);
    }

    @Override
    public String toString() {
        return "MultiInputDataset" + shapesByName() + " of " + size() + " samples";
    }
}
