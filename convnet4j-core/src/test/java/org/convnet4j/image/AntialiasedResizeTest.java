package org.convnet4j.image;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Images#resizeAntialiased} against PIL 9.4's {@code Image.resize(size, BILINEAR)} and the torchvision
 * preprocessing against torchvision 0.14's transforms (fixtures: tools/fixtures/pil_resize_fixture.py).
 */
class AntialiasedResizeTest {
    private static final String[] SIZES = {"10x7", "5x3", "16x29", "37x12", "61x50", "80x13", "9x44", "1x1"};

    private static Path fixture(String name) throws URISyntaxException {
        var url = AntialiasedResizeTest.class.getResource("pil/" + name);
        assertTrue(url != null, "fixture pil/" + name + " is missing (tools/fixtures/pil_resize_fixture.py)");
        return Path.of(url.toURI());
    }

    private static float[] floats(String name) throws IOException, URISyntaxException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(fixture(name))).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    @Test
    void eightBitPicturesGivePilsBytesExactly() throws Exception {
        for (String kind : new String[] {"rgb", "grey"}) {
            Tensor source = Images.read(fixture(kind + ".png"));
            for (String size : SIZES) {
                Tensor pil = Images.read(fixture(kind + "_" + size + ".png"));
                Tensor ours = Images.resizeAntialiased(source, pil.dim(1), pil.dim(2));
                assertEquals(pil.shape(), ours.shape(), kind + " " + size);
                assertEquals(0f, ours.maxAbsDiff(pil), kind + " " + size + ": grey levels from PIL's bytes");
            }
        }
    }

    @Test
    void theUnantialiasedResizeDiffersWhenShrinking() throws Exception {
        // the negative control: what the fixture catches (many grey levels, not rounding)
        Tensor source = Images.read(fixture("rgb.png"));
        Tensor pil = Images.read(fixture("rgb_5x3.png"));
        assertTrue(Images.resize(source, 3, 5).maxAbsDiff(pil) > 20f);
    }

    @Test
    void fractionalValuesFollowPilsFloatPictures() throws Exception {
        float[] in = floats("float.f32");
        Tensor source = Tensor.wrap(in, 1, 27, 19);
        for (int[] hw : new int[][] {{5, 7}, {33, 40}}) {
            float[] pil = floats("float_" + hw[1] + "x" + hw[0] + ".f32");
            Tensor ours = Images.resizeAntialiased(source, hw[0], hw[1]);
            float max = 0;
            for (int i = 0; i < pil.length; i++) {
                max = Math.max(max, Math.abs(pil[i] - ours.data()[i]));
            }
            assertTrue(max <= 1e-4f, hw[0] + "x" + hw[1] + ": max |ours - PIL| = " + max);
        }
    }

    @Test
    void torchvisionPreprocessingEqualsTorchvisionsTransforms() throws Exception {
        // Resize(126), CenterCrop(110), ToTensor, Normalize on chelsea.png (451x300): the width becomes 189 and the
        // crop starts at round(39.5) = 40
        Path chelsea = Path.of(System.getProperty("basedir", ".")).resolve("../demo/images/chelsea.png");
        assertTrue(Files.isRegularFile(chelsea), chelsea + " is missing");
        Preprocessing p = new Preprocessing(3, 110, 110, Preprocessing.UNIT_SCALE, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f}, false, 126);
        assertEquals(Preprocessing.Resampling.ANTIALIASED, p.resampling());
        float[] torch = floats("torchvision.f32");
        Tensor ours = p.apply(Images.read(chelsea));
        float max = 0;
        for (int i = 0; i < torch.length; i++) {
            max = Math.max(max, Math.abs(torch[i] - ours.data()[i]));
        }
        // one grey level is 1/255/0.225 = 0.0174 after normalisation; the bytes are equal, so only float rounding
        assertTrue(max <= 1e-5f, "max |ours - torchvision| = " + max);
        Tensor bilinear = p.withResampling(Preprocessing.Resampling.BILINEAR).apply(Images.read(chelsea));
        float maxBilinear = 0;
        for (int i = 0; i < torch.length; i++) {
            maxBilinear = Math.max(maxBilinear, Math.abs(torch[i] - bilinear.data()[i]));
        }
        assertTrue(maxBilinear > 0.1f, "the unantialiased resize should differ from torchvision: " + maxBilinear);
    }

    @Test
    void resamplingIsSavedOnlyWhenItIsNotTheDefault() {
        Preprocessing torch = new Preprocessing(3, 224, 224, Preprocessing.UNIT_SCALE, null, null, false, 256);
        Preprocessing stretch = new Preprocessing(3, 224, 224, Preprocessing.UNIT_SCALE, null, null);
        assertEquals(Preprocessing.Resampling.BILINEAR, stretch.resampling());
        assertTrue(!torch.toJson().contains("resample") && !stretch.toJson().contains("resample"));
        Preprocessing plain = torch.withResampling(Preprocessing.Resampling.BILINEAR);
        assertTrue(plain.toJson().contains("\"resample\":\"bilinear\""), plain.toJson());
        assertEquals(plain, Preprocessing.fromJson(plain.toJson(), "test"));
        assertEquals(torch, Preprocessing.fromJson(torch.toJson(), "test"));
        assertTrue(!plain.equals(torch));
    }
}
