package org.convnet4j.data;

import java.util.List;

/**
 * The class names and one label per sample that {@link ArrayDataset}, {@link ImageFolderDataset} and file-system
 * datasets in other modules (Spark's picture folder) all keep, with the {@link Dataset} methods that only read
 * them, written once here. Subclasses supply the samples and their shape.
 */
public abstract class LabelledDataset implements Dataset {
    /** Class names, one per label value. */
    protected final List<String> classNames;
    /** Label of each sample; its length is the dataset size. */
    protected final int[] labels;

    /** Keeps a copy of {@code classNames} and {@code labels} itself (not copied; the subclass hands it over). */
    protected LabelledDataset(List<String> classNames, int[] labels) {
        this.classNames = List.copyOf(classNames);
        this.labels = labels;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int numClasses() {
        return classNames.size();
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int label(int index) {
        checkIndex(getClass().getSimpleName() + ".label", index);
        return labels[index];
    }
}
