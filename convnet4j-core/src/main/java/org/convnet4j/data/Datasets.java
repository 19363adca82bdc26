package org.convnet4j.data;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

import java.util.List;
import java.util.Random;

/** Views of datasets: subsets, seeded shuffles and train/validation splits (no sample data is copied). */
public final class Datasets {
    private Datasets() {
    }

    /** Two disjoint views that together cover the dataset. */
    public record Split(Dataset train, Dataset validation) {
    }

    /**
     * A seeded random split: {@code round(size * validationFraction)} samples (at least 1) go to validation, the
     * rest to training. The same seed always gives the same split.
     */
    public static Split split(Dataset ds, double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("Datasets.split: validation fraction " + validationFraction
                    + " must be between 0 and 1 (exclusive)");
        }
        int n = ds.size();
        int nVal = (int) Math.max(1, Math.round(n * validationFraction));
        if (nVal >= n) {
            throw new IllegalArgumentException("Datasets.split: a dataset of " + n + " samples is too small to split "
                    + "with validation fraction " + validationFraction);
        }
        int[] perm = permutation(n, new Random(seed));
        int[] val = new int[nVal];
        int[] train = new int[n - nVal];
        System.arraycopy(perm, 0, val, 0, nVal);
        System.arraycopy(perm, nVal, train, 0, n - nVal);
        // Sorted views keep the file/sample order inside each part, which makes listings easier to read.
        java.util.Arrays.sort(val);
        java.util.Arrays.sort(train);
        return new Split(view(ds, train), view(ds, val));
    }

    /** The first {@code n} samples ({@code --limit}); the dataset itself if it has no more than {@code n}. */
    public static Dataset subset(Dataset ds, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("Datasets.subset: limit " + n + " must be at least 1");
        }
        if (n >= ds.size()) {
            return ds;
        }
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return view(ds, idx);
    }

    /** The samples in a seeded random order. */
    public static Dataset shuffle(Dataset ds, long seed) {
        return view(ds, permutation(ds.size(), new Random(seed)));
    }

    /** A view of the samples at {@code indices} (in that order; repeats allowed). The array is copied. */
    public static Dataset view(Dataset ds, int[] indices) {
        int[] idx = indices.clone();
        for (int i = 0; i < idx.length; i++) {
            ds.checkIndex("Datasets.view", idx[i]);
        }
        return new IndexedView(ds, idx);
    }

    /**
     * The dataset with {@code transform} applied to every sample (with the loader's random source when
     * augmenting). The output shape is found by transforming sample 0 without augmentation; every sample must
     * come out with that shape.
     */
    public static Dataset transformed(Dataset ds, Transform transform) {
        if (ds.size() == 0) {
            throw new IllegalArgumentException("Datasets.transformed: empty dataset");
        }
        Shape out = transform.apply(ds.sample(0), null).shape();
        return new TransformedView(ds, transform, out);
    }

    /**
     * Where a view's samples come from: the dataset below every {@link #view} (also {@link #subset},
     * {@link #split}, {@link #shuffle}) and, for each sample, its index there. Any other dataset is its own source.
     * Lets an engine that moves data elsewhere ship the base's recipe (e.g. file names) instead of the samples.
     */
    public record Source(Dataset base, int[] indices) {
    }

    /** The source of {@code ds}: views of views flattened to one index list into the first non-view dataset. */
    public static Source source(Dataset ds) {
        if (!(ds instanceof IndexedView v)) {
            int[] all = new int[ds.size()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return new Source(ds, all);
        }
        Source below = source(v.base);
        int[] idx = new int[v.indices.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = below.indices()[v.indices[i]];
        }
        return new Source(below.base(), idx);
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
    public static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static final class IndexedView implements Dataset {
        private final Dataset base;
        private final int[] indices;

        IndexedView(Dataset base, int[] indices) {
            this.base = base;
            this.indices = indices;
        }

        @Override
        public int size() {
            return indices.length;
        }

        @Override
        public Shape sampleShape() {
            return base.sampleShape();
        }

        @Override
        public int numClasses() {
            return base.numClasses();
        }

        @Override
        public List<String> classNames() {
            return base.classNames();
        }

        @Override
        public void copySample(int index, float[] dest, int destOff) {
            checkIndex("copySample", index);
            base.copySample(indices[index], dest, destOff);
        }

        @Override
        public void copySample(int index, float[] dest, int destOff, Random random) {
            checkIndex("copySample", index);
            base.copySample(indices[index], dest, destOff, random);
        }

        @Override
        public int label(int index) {
            checkIndex("label", index);
            return base.label(indices[index]);
        }

        @Override
        public List<Shape> inputShapes() {
            return base.inputShapes();
        }

        @Override
        public void copyInput(int input, int index, float[] dest, int destOff, Random random) {
            checkIndex("copyInput", index);
            base.copyInput(input, indices[index], dest, destOff, random);
        }
    }

    private static final class TransformedView implements Dataset {
        private final Dataset base;
        private final Transform transform;
        private final Shape shape;

        TransformedView(Dataset base, Transform transform, Shape shape) {
            this.base = base;
            this.transform = transform;
            this.shape = shape;
        }

        @Override
        public int size() {
            return base.size();
        }

        @Override
        public Shape sampleShape() {
            return shape;
        }

        @Override
        public int numClasses() {
            return base.numClasses();
        }

        @Override
        public List<String> classNames() {
            return base.classNames();
        }

        @Override
        public void copySample(int index, float[] dest, int destOff) {
            copySample(index, dest, destOff, null);
        }

        @Override
        public void copySample(int index, float[] dest, int destOff, Random random) {
            Tensor in = Tensor.zeros(base.sampleShape());
            base.copySample(index, in.data(), 0, random);
            Tensor out = transform.apply(in, random);
            if (!out.shape().equals(shape)) {
                throw new IllegalStateException("transformed dataset: sample " + index + " came out with shape "
                        + out.shape() + ", expected " + shape);
            }
            System.arraycopy(out.data(), 0, dest, destOff, out.size());
        }

        @Override
        public int label(int index) {
            return base.label(index);
        }
    }
}
