package org.convnet4j.imagenet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class ImageNetTest {
    @Test
    void classNamesAreInIndexOrder() {
        List<String> n = ImageNet.classNames();
        assertEquals(1000, n.size());
        // well-known indices of ImageNet-1k
        assertEquals("tench", n.get(0));
        assertEquals("tabby", n.get(281));
        assertEquals("tiger", n.get(292));
        assertEquals("toilet tissue", n.get(999));
        assertEquals(true, new HashSet<>(n).size() > 990);
    }

    @Test
    void caffeModeSwapsToBgrAndSubtractsTheMean() {
        Tensor rgb = Tensor.zeros(3, 4, 4);
        for (int i = 0; i < 16; i++) {
            rgb.data()[i] = 200;        // R
            rgb.data()[16 + i] = 100;   // G
            rgb.data()[32 + i] = 10;    // B
        }
        Tensor x = ImageNet.Mode.CAFFE.forSize(4).apply(rgb);
        assertEquals(10 - 103.939f, x.get(0, 1, 1), 1e-4f);   // B first
        assertEquals(100 - 116.779f, x.get(1, 1, 1), 1e-4f);
        assertEquals(200 - 123.68f, x.get(2, 1, 1), 1e-4f);
        Tensor t = ImageNet.Mode.TF.forSize(4).apply(rgb);
        assertEquals(200 / 127.5f - 1, t.get(0, 2, 2), 1e-6f);
        assertEquals(10 / 127.5f - 1, t.get(2, 2, 2), 1e-6f);
    }

    @Test
    void torchModeResizesTheShorterSideThenCropsTheCentre() {
        // 8 wide, 4 high, columns numbered 0..7 in red: shorter side 4 -> 9 (8 * 256/224 rounded) keeps it as
        // 9x18; the central 8x8 then starts at column 5
        Preprocessing p = ImageNet.Mode.TORCH.forSize(8);
        assertEquals(9, p.resizeShorter());
        Tensor img = Tensor.zeros(3, 4, 8);
        Tensor y = p.apply(img);
        assertEquals(List.of(3, 8, 8), java.util.Arrays.stream(y.shape().dims()).boxed().toList());
        assertEquals((0 - 0.485f) / 0.229f, y.get(0, 0, 0), 1e-5f);
        Preprocessing again = Preprocessing.fromJson(p.toJson(), "test");
        assertEquals(p, again);
    }
}
