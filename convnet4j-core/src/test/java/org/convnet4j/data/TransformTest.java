package org.convnet4j.data;

import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformTest {
    /** [1, 3, 4] with values 0..11 row by row. */
    private static Tensor ramp() {
        float[] d = new float[12];
        for (int i = 0; i < 12; i++) {
            d[i] = i;
        }
        return Tensor.wrap(d, 1, 3, 4);
    }

    @Test
    void centerCropTakesTheMiddle() {
        Tensor out = new Transform.CenterCrop(1, 2).apply(ramp(), null);
        assertArrayEquals(new float[] {5, 6}, out.data());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Transform.CenterCrop(5, 2).apply(ramp(), null));
        assertTrue(e.getMessage().contains("image is only 3x4"), e.getMessage());
    }

    @Test
    void randomCropIsAWindowOfTheZeroPaddedImageAndCoversAllOffsets() {
        Tensor in = ramp();
        Transform crop = new Transform.RandomCrop(3, 4, 1);
        // without randomness: the centre of the padded image, i.e. the image itself
        assertArrayEquals(in.data(), crop.apply(in, null).data());
        Random r = new Random(42);
        Set<String> offsets = new HashSet<>();
        for (int k = 0; k < 200; k++) {
            Tensor out = crop.apply(in, r);
            assertEquals(Shape.of(1, 3, 4), out.shape());
            String found = null;
            for (int dy = -1; dy <= 1 && found == null; dy++) {
                for (int dx = -1; dx <= 1 && found == null; dx++) {
                    if (matchesShifted(in, out, dy, dx)) {
                        found = dy + "," + dx;
                    }
                }
            }
            assertTrue(found != null, "crop " + k + " is not a shifted window of the input");
            offsets.add(found);
        }
        assertEquals(9, offsets.size(), "all 3x3 offsets should occur in 200 draws");
    }

    /** out[y][x] == in[y+dy][x+dx], or 0 where that lies in the padding. */
    private static boolean matchesShifted(Tensor in, Tensor out, int dy, int dx) {
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                int sy = y + dy;
                int sx = x + dx;
                float expected = sy < 0 || sy >= 3 || sx < 0 || sx >= 4 ? 0f : in.get(0, sy, sx);
                if (out.get(0, y, x) != expected) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void horizontalFlipMirrorsRowsWithTheGivenProbability() {
        Tensor in = ramp();
        Tensor flipped = new Transform.RandomHorizontalFlip(1).apply(in, new Random(1));
        assertArrayEquals(new float[] {3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8}, flipped.data());
        assertSame(in, new Transform.RandomHorizontalFlip(0).apply(in, new Random(1)));
        assertSame(in, new Transform.RandomHorizontalFlip(1).apply(in, null));
        Random r = new Random(7);
        int flips = 0;
        for (int i = 0; i < 2000; i++) {
            if (new Transform.RandomHorizontalFlip(0.5).apply(in, r) != in) {
                flips++;
            }
        }
        assertTrue(flips > 900 && flips < 1100, "flips " + flips);
        assertArrayEquals(ramp().data(), in.data(), "input untouched");
    }

    @Test
    void normalizeScaleGreyAndCompose() {
        Tensor rgb = Tensor.of(new float[] {10, 20, 30, 40, 50, 60}, 3, 1, 2);
        Tensor n = new Transform.Normalize(new float[] {10, 20, 30}, new float[] {2, 4, 5}).apply(rgb, null);
        assertArrayEquals(new float[] {0, 5, 2.5f, 5, 4, 6}, n.data(), 1e-6f); // (30-20)/4 = 2.5 ...
        Tensor one = new Transform.Normalize(new float[] {1}, new float[] {10}).apply(rgb, null);
        assertArrayEquals(new float[] {0.9f, 1.9f, 2.9f, 3.9f, 4.9f, 5.9f}, one.data(), 1e-6f);
        assertThrows(IllegalArgumentException.class,
                () -> new Transform.Normalize(new float[] {1, 2}, new float[] {1, 1}).apply(rgb, null));
        assertThrows(IllegalArgumentException.class, () -> new Transform.Normalize(new float[] {1}, new float[] {0}));

        Tensor grey = new Transform.ToGrey().apply(rgb, null);
        assertEquals(Shape.of(1, 1, 2), grey.shape());
        assertEquals(0.299f * 10 + 0.587f * 30 + 0.114f * 50, grey.data()[0], 1e-4f);

        // order matters: scale then subtract 1 differs from subtract 1 then scale
        Transform scaleThenNorm = Transform.compose(new Transform.Scale(1f / 255f),
                new Transform.Normalize(new float[] {0.5f}, new float[] {0.5f}));
        Tensor px = Tensor.of(new float[] {0, 255, 51}, 1, 1, 3);
        assertArrayEquals(new float[] {-1, 1, -0.6f}, scaleThenNorm.apply(px, null).data(), 1e-6f);
        Transform resized = new Transform.Resize(2, 6).andThen(new Transform.CenterCrop(2, 2));
        assertEquals(Shape.of(1, 2, 2), resized.apply(px, null).shape());
    }
}
