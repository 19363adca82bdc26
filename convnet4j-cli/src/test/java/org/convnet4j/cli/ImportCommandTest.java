package org.convnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** import (Keras .h5 to .c4j) and predict straight from the weight file give the same answers. */
class ImportCommandTest {
    private static final Path FIXTURES = Path.of("../convnet4j-io/src/test/resources/fixtures/keras");

    @TempDir
    Path dir;

    @Test
    void importedModelPredictsLikeTheWeightFile() throws Exception {
        Path h5 = FIXTURES.resolve("vgg16.h5");
        Path c4j = dir.resolve("vgg16.c4j");
        CliRun imp = CliRun.of("import", h5.toString(), "-o", c4j.toString());
        assertEquals(0, imp.exitCode(), imp.err());
        assertTrue(imp.out().contains("vgg16, input [3, 64, 64]"), imp.out());
        assertTrue(Files.exists(c4j));

        Tensor picture = Tensor.zeros(3, 80, 100);
        for (int i = 0; i < picture.size(); i++) {
            picture.data()[i] = (i * 37) % 256;
        }
        Path png = dir.resolve("p.png");
        Images.write(picture, png);
        CliRun fromC4j = CliRun.of("predict", "--model", c4j.toString(), "--top-k", "3", png.toString());
        CliRun fromH5 = CliRun.of("predict", "--model", h5.toString(), "--top-k", "3", png.toString());
        assertEquals(0, fromC4j.exitCode(), fromC4j.err());
        assertEquals(0, fromH5.exitCode(), fromH5.err());
        assertEquals(fromH5.out(), fromC4j.out());
        assertEquals(4, fromC4j.out().strip().split("\n").length, fromC4j.out());
    }

    @Test
    void aDamagedPthIsOneLineExitTwoAndNoOutput() throws Exception {
        Path pth = dir.resolve("resnet18.pth");
        Files.write(pth, new byte[] {'P', 'K', 3, 4, 1, 2, 3, 4});
        CliRun r = CliRun.of("import", pth.toString(), "-o", dir.resolve("x.c4j").toString());
        assertEquals(2, r.exitCode());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains("resnet18.pth"), r.err());
        assertTrue(!Files.exists(dir.resolve("x.c4j")));
    }
}
