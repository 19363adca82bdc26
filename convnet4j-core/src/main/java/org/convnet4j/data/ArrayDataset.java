package org.convnet4j.data;

import org.convnet4j.tensor.Shape;

import java.util.List;

/**
 * An in-memory dataset whose samples lie back to back in one array: either unsigned bytes with a scale
 * (MNIST keeps 60000 x 784 bytes = 47 MB instead of 188 MB of floats; converted per sample) or floats.
 */
public final class ArrayDataset extends LabelledDataset {
    private final byte[] bytes;
    private final float[] floats;
    private final float scale;
    private final Shape sampleShape;
    private final int sampleSize;

    private ArrayDataset(byte[] bytes, float[] floats, float scale, Shape sampleShape, int[] labels, List<String> classNames) {
        super(classNames, labels);
        this.bytes = bytes;
        this.floats = floats;
        this.scale = scale;
        this.sampleShape = sampleShape;
        this.sampleSize = sampleShape.size();
        long stored = bytes != null ? bytes.length : floats.length;
        if (stored != (long) sampleSize * labels.length) {
            throw new IllegalArgumentException("ArrayDataset: " + stored + " values do not make " + labels.length
                    + " samples of shape " + sampleShape + " (" + sampleSize + " values each)");
        }
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("ArrayDataset: no class names");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException("ArrayDataset: label of sample " + i + " is " + labels[i]
                        + ", outside 0.." + (classNames.size() - 1));
            }
        }
    }

    /**
     * Samples stored as unsigned bytes; sample values are {@code (b & 0xff) * scale}. The arrays are used, not
     * copied.
     */
    public static ArrayDataset ofBytes(byte[] data, float scale, Shape sampleShape, int[] labels, List<String> classNames) {
        return new ArrayDataset(data, null, scale, sampleShape, labels, classNames);
    }

    /** Samples stored as floats, used as they are. The arrays are used, not copied. */
    public static ArrayDataset ofFloats(float[] data, Shape sampleShape, int[] labels, List<String> classNames) {
        return new ArrayDataset(null, data, 1f, sampleShape, labels, classNames);
    }

    @Override
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public void copySample(int index, float[] dest, int destOff) {
        checkIndex("ArrayDataset.copySample", index);
        int base = index * sampleSize;
        if (bytes != null) {
            for (int i = 0; i < sampleSize; i++) {
                dest[destOff + i] = (bytes[base + i] & 0xff) * scale;
            }
        } else {
            System.arraycopy(floats, base, dest, destOff, sampleSize);
        }
    }
}
