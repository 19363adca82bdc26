package org.convnet4j.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Images#header(byte[], String)} (a server's upload) says what {@link Images#header(Path)} says of the file. */
class PictureHeaderFromBytesTest {

    @Test
    void bytesGiveTheFilesHeader(@TempDir Path dir) throws Exception {
        int[] types = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_INT_ARGB};
        for (String format : new String[] {"png", "jpg", "bmp", "gif"}) {
            for (int type : types) {
                if (!format.equals("png") && type == BufferedImage.TYPE_INT_ARGB) {
                    continue;
                }
                BufferedImage img = new BufferedImage(37, 23, type);
                img.setRGB(3, 4, 0xff336699);
                Path file = dir.resolve(type + "." + format);
                assertTrue(ImageIO.write(img, format, file.toFile()), format);
                PictureHeader fromFile = Images.header(file);
                PictureHeader fromBytes = Images.header(Files.readAllBytes(file), "upload");
                String what = format + " type " + type;
                assertEquals(fromFile.format(), fromBytes.format(), what);
                assertEquals(37, fromBytes.width(), what);
                assertEquals(23, fromBytes.height(), what);
                assertEquals(fromFile.channels(), fromBytes.channels(), what);
                assertEquals(fromFile.decodingBytes(), fromBytes.decodingBytes(), what);
                assertTrue(fromBytes.decodingBytes() >= fromBytes.tensorBytes(), what);
            }
        }
    }

    @Test
    void emptyAndBrokenBytesAreRefusedNamingTheUpload() {
        ImageFormatException empty = assertThrows(ImageFormatException.class, () -> Images.header(new byte[0], "upload"));
        assertTrue(empty.getMessage().startsWith("upload: empty"), empty.getMessage());
        ImageFormatException junk = assertThrows(ImageFormatException.class,
                () -> Images.header("not a picture at all".getBytes(), "upload"));
        assertTrue(junk.getMessage().startsWith("upload: not a supported image"), junk.getMessage());
    }
}
