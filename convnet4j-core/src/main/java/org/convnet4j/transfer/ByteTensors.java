package org.convnet4j.transfer;

import org.convnet4j.tensor.Tensor;

/**
 * Bytes kept in a float32 tensor (checkpoints store only F32), three bytes per float: each value is an integer
 * 0 .. 2^24-1, which float32 represents exactly, so the round trip is lossless and the bytes are covered by the
 * checkpoint's checksum like any weight. Three per float costs 4/3 of the byte count, as base64 would.
 */
public final class ByteTensors {
    private ByteTensors() {
    }

    /** Floats needed for {@code bytes} bytes. */
    public static int floatsFor(int bytes) {
        return Math.max(1, (bytes + 2) / 3);
    }

    public static Tensor pack(byte[] bytes) {
        float[] v = new float[floatsFor(bytes.length)];
        for (int i = 0; i < bytes.length; i++) {
            int word = i / 3;
            int shift = 8 * (i % 3);
            v[word] = (float) ((int) v[word] | ((bytes[i] & 0xff) << shift));
        }
        return Tensor.wrap(v, v.length);
    }

    /** The first {@code length} bytes packed in {@code t}; fails on values that no packing produces. */
    public static byte[] unpack(Tensor t, int length) {
        if (length < 0 || floatsFor(length) != t.size()) {
            throw new IllegalArgumentException("packed bytes: " + t.size() + " values cannot hold " + length + " bytes");
        }
        byte[] out = new byte[length];
        float[] v = t.data();
        for (int w = 0; w < v.length; w++) {
            float f = v[w];
            if (!(f >= 0 && f < (1 << 24)) || f != Math.rint(f)) {
                throw new IllegalArgumentException("packed bytes: value " + f + " at " + w + " is not a 24-bit integer");
            }
        }
        for (int i = 0; i < length; i++) {
            out[i] = (byte) (((int) v[i / 3]) >>> (8 * (i % 3)));
        }
        return out;
    }
}
