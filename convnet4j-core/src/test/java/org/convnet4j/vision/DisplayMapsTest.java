package org.convnet4j.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Filter responses as pixel values (moved from the CLI, issue 14: the CLI only parses options and prints). */
class DisplayMapsTest {

    @Test
    void signedGreyKeepsZeroAtMidGreyAndTheLargestMagnitudeAtTheEnds() {
        Tensor t = Tensor.of(new float[] {-4, -2, 0, 1, 2}, 1, 5);
        assertArrayEquals(new float[] {0, 63.75f, 127.5f, 159.375f, 191.25f}, DisplayMaps.signedGrey(t).data());
        assertArrayEquals(new float[] {127.5f, 127.5f}, DisplayMaps.signedGrey(Tensor.zeros(1, 2)).data());
    }

    @Test
    void scaledToMaxPutsTheMaximumAt255AndZeroAtBlack() {
        Tensor t = Tensor.of(new float[] {0, 1, 4}, 1, 3);
        assertArrayEquals(new float[] {0, 63.75f, 255}, DisplayMaps.scaledToMax(t).data());
        assertArrayEquals(new float[] {0, 0}, DisplayMaps.scaledToMax(Tensor.zeros(1, 2)).data());
    }

    @Test
    void picturesAreStretchedOverTheWholeImageNotPerChannel() {
        // two channels: a per-channel stretch would make both 0..255; one range keeps channel 1 dark
        Tensor t = Tensor.of(new float[] {0, 10, 0, 5}, 2, 1, 2);
        assertArrayEquals(new float[] {0, 255, 0, 127.5f},
                DisplayMaps.forPicture(t, Normalization.Mode.MINMAX).data());
        assertArrayEquals(new float[] {255, 0, 255, 127.5f},
                DisplayMaps.forNumbers(Tensor.of(new float[] {-10, 0, 10, 5}, 2, 1, 2), Normalization.Mode.ABS).data());
        assertSame(t, DisplayMaps.forPicture(t, Normalization.Mode.NONE));
    }

    @Test
    void directionWheelColoursTheAngleAndDimsByMagnitude() {
        // angles 0 (red), 120 degrees (green), 240 degrees (blue), 60 degrees (yellow) at magnitudes 2, 2, 1, 0
        float third = (float) (2 * Math.PI / 3);
        Tensor dir = Tensor.of(new float[] {0, third, 2 * third, third / 2}, 1, 1, 4);
        Tensor mag = Tensor.of(new float[] {2, 2, 1, 0}, 1, 1, 4);
        float[] rgb = DisplayMaps.directionWheel(dir, mag).data();
        float[] r = java.util.Arrays.copyOfRange(rgb, 0, 4);
        float[] g = java.util.Arrays.copyOfRange(rgb, 4, 8);
        float[] b = java.util.Arrays.copyOfRange(rgb, 8, 12);
        assertArrayEquals(new float[] {255, 0, 0, 0}, r, 1e-3f);
        assertArrayEquals(new float[] {0, 255, 0, 0}, g, 1e-3f);
        assertArrayEquals(new float[] {0, 0, 127.5f, 0}, b, 1e-3f);
    }

    @Test
    void hsvSectorsGoRedYellowGreenCyanBlueMagenta() {
        float[] px = new float[3];
        double[] hues = {0, 60, 120, 180, 240, 300};
        float[][] want = {{1, 0, 0}, {1, 1, 0}, {0, 1, 0}, {0, 1, 1}, {0, 0, 1}, {1, 0, 1}};
        for (int i = 0; i < hues.length; i++) {
            DisplayMaps.hsvToRgb(hues[i], 1f, px);
            assertArrayEquals(want[i], px, 1e-6f, "hue " + hues[i]);
        }
    }
}
