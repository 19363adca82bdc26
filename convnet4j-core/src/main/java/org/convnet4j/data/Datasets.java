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

    /**
     * A seeded split stratified by class, as scikit-learn's {@code train_test_split(stratify=y)}: about
     * {@code round(size * validationFraction)} samples (at least 1) go to validation, and each class's count there is
     * its share of that total rounded down or up (within one picture of {@code classSize * total / size}). A class always keeps at least one training sample, so a class of one
     * picture stays whole in training and the total shrinks when the tiny classes cannot give what it asks. Which
     * pictures of a class go to validation is a seeded random choice; the same seed always gives the same split.
     *
     * @return [0] = training indices, [1] = validation indices, each ascending
     * @throws IllegalArgumentException when the fraction is not in (0, 1) or no class has two samples to give one
     */
    public static int[][] stratifiedIndices(Dataset ds, double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("stratified split: validation fraction " + validationFraction
                    + " must be between 0 and 1 (exclusive)");
        }
        int n = ds.size();
        int nVal = (int) Math.max(1, Math.round(n * validationFraction));
        int k = ds.numClasses();
        int[] perm = permutation(n, new Random(seed));
        int[] count = new int[k];
        int[] firstSeen = new int[k];
        java.util.Arrays.fill(firstSeen, Integer.MAX_VALUE);
        for (int pos = 0; pos < n; pos++) {
            int c = ds.label(perm[pos]);
            if (c < 0 || c >= k) {
                throw new IllegalArgumentException("stratified split: sample " + perm[pos] + " has label " + c
                        + " outside 0.." + (k - 1));
            }
            count[c]++;
            firstSeen[c] = Math.min(firstSeen[c], pos);
        }
        // each class's exact share, rounded down; then one more to the classes with the largest remainders (ties
        // in the seeded order of their first picture) until the total is reached, never a class's last picture
        int[] take = new int[k];
        double[] rest = new double[k];
        int given = 0;
        for (int c = 0; c < k; c++) {
            double exact = count[c] * (double) nVal / n;
            take[c] = Math.min((int) Math.floor(exact), Math.max(0, count[c] - 1));
            rest[c] = exact - take[c];
            given += take[c];
        }
        Integer[] order = new Integer[k];
        for (int c = 0; c < k; c++) {
            order[c] = c;
        }
        java.util.Arrays.sort(order, (a, b) -> rest[a] != rest[b] ? Double.compare(rest[b], rest[a])
                : Integer.compare(firstSeen[a], firstSeen[b]));
        for (int i = 0; i < k && given < nVal; i++) {
            int c = order[i];
            if (rest[c] > 0 && take[c] < count[c] - 1) {
                take[c]++;
                given++;
            }
        }
        if (given == 0) {
            throw new IllegalArgumentException("stratified split: " + n + " samples in " + k + " classes are too few "
                    + "to split with validation fraction " + validationFraction + " (every class must keep a "
                    + "training sample)");
        }
        int[] val = new int[given];
        int[] train = new int[n - given];
        int[] dealt = new int[k];
        int v = 0;
        int t = 0;
        for (int pos = 0; pos < n; pos++) {
            int i = perm[pos];
            int c = ds.label(i);
            if (dealt[c]++ < take[c]) {
                val[v++] = i;
            } else {
                train[t++] = i;
            }
        }
        java.util.Arrays.sort(val);
        java.util.Arrays.sort(train);
        return new int[][] {train, val};
    }

    /** {@link #stratifiedIndices} as two views. */
    public static Split stratifiedSplit(Dataset ds, double validationFraction, long seed) {
        int[][] parts = stratifiedIndices(ds, validationFraction, seed);
        return new Split(view(ds, parts[0]), view(ds, parts[1]));
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
