package org.convnet4j.image;

import java.awt.color.ColorSpace;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.MultiPixelPackedSampleModel;
import java.awt.image.SampleModel;
import java.awt.image.SinglePixelPackedSampleModel;
import java.util.Locale;
import javax.imageio.ImageTypeSpecifier;
import org.convnet4j.util.MemoryBudget;

/**
 * What a picture file's header says, read without decoding any pixel data (as PIL's {@code Image.open} gives size
 * and mode before {@code load()}): the format, the size, the bands and bits per sample as stored, the channels the
 * picture's tensor will have (1 grey, 3 RGB), and the memory that decoding it into that tensor holds at its peak.
 * {@link Images#header} reads one; {@link Images#read} checks the same estimate against the memory budget before it
 * decodes.
 */
public final class PictureHeader {
    private final String format;
    private final int width;
    private final int height;
    private final int bands;
    private final int bitsPerSample;
    private final int channels;
    /** The picture the decoder fills (its destination type), per row of {@code w} pixels: see {@link #rasterBytes}. */
    private final SampleModel destination;
    /**
     * The picture as stored: decoders hold it besides their destination when they convert (CMYK/YCCK JPEGs to RGB,
     * 16-bit TIFF) or allocate a row buffer per row (PNG, JPEG), which over the picture adds up to as much.
     */
    private final SampleModel stored;
    /** Bytes per pixel of the arrays the conversion to a tensor takes besides the tensor (palette indices, ARGB). */
    private final int conversionBytesPerPixel;
    /** The EXIF orientation turns the tensor into a copy. */
    private final boolean rotated;

    private PictureHeader(String format, int width, int height, ImageTypeSpecifier destinationType,
                          ImageTypeSpecifier rawType, boolean rotated) {
        this.format = format;
        this.width = width;
        this.height = height;
        ImageTypeSpecifier stored = rawType != null ? rawType : destinationType;
        SampleModel storedModel = stored.getSampleModel(1, 1);
        this.bands = storedModel.getNumBands();
        int bits = 0;
        for (int b = 0; b < bands; b++) {
            bits = Math.max(bits, storedModel.getSampleSize(b));
        }
        this.bitsPerSample = bits;
        this.destination = destinationType.getSampleModel(1, 1);
        ColorModel cm = destinationType.getColorModel();
        this.stored = storedModel;
        if (cm instanceof IndexColorModel icm) {
            boolean grey = true;
            for (int i = 0; i < icm.getMapSize() && grey; i++) {
                grey = icm.getRed(i) == icm.getGreen(i) && icm.getGreen(i) == icm.getBlue(i);
            }
            this.channels = grey ? 1 : 3;
            this.conversionBytesPerPixel = 4; // the palette indices as int[]
        } else if (cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
            this.channels = 1;
            this.conversionBytesPerPixel = 0; // the samples are read straight into the tensor's floats
        } else {
            this.channels = 3;
            this.conversionBytesPerPixel = 4; // getRGB's int[] ARGB
        }
        this.rotated = rotated;
    }

    static PictureHeader of(String format, int width, int height, ImageTypeSpecifier destinationType,
                            ImageTypeSpecifier rawType, boolean rotated) {
        return new PictureHeader(format, width, height, destinationType, rawType, rotated);
    }

    /** The format's name as ImageIO's reader gives it ("png", "JPEG", "bmp", "gif", "webp", ...). */
    public String format() {
        return format;
    }

    /** Width in pixels as stored (before an EXIF orientation is applied). */
    public int width() {
        return width;
    }

    /** Height in pixels as stored. */
    public int height() {
        return height;
    }

    /** Bands as stored (1 grey or palette, 2 grey + alpha, 3 RGB/YCbCr, 4 RGBA/CMYK, ...). */
    public int bands() {
        return bands;
    }

    /** Bits per sample as stored (the largest over the bands): 1, 2, 4, 8, 16, ... */
    public int bitsPerSample() {
        return bitsPerSample;
    }

    /** Channels of the picture's tensor: 1 for grey (also grey palettes), else 3 (RGB). */
    public int channels() {
        return channels;
    }

    /** width x height. */
    public long pixels() {
        return (long) width * height;
    }

    /** Bytes of the picture as a float tensor [channels, height, width]. */
    public long tensorBytes() {
        return tensorBytes(1);
    }

    /**
     * The most that decoding the whole picture into its tensor holds at once (an upper bound): the decoder's picture
     * (of the destination type), the picture as stored (a converting decoder's source raster, or its row buffers),
     * the arrays of the conversion to floats, the tensor, and its turned copy when an EXIF orientation applies. Overflow-safe: negative when above 8 EB.
     */
    public long decodingBytes() {
        return decodingBytes(1);
    }

    /** {@link #tensorBytes} of the picture read at 1/{@code step} in each direction (source subsampling). */
    long tensorBytes(int step) {
        return MemoryBudget.bytesOf(4L * channels, ceil(height, step), ceil(width, step));
    }

    /** {@link #decodingBytes} of the picture read at 1/{@code step}. */
    long decodingBytes(int step) {
        int w = ceil(width, step);
        int h = ceil(height, step);
        long sum = MemoryBudget.add(rasterBytes(destination, w, h), rasterBytes(stored, w, h));
        sum = MemoryBudget.add(sum, MemoryBudget.bytesOf(conversionBytesPerPixel, h, w));
        long tensor = tensorBytes(step);
        sum = MemoryBudget.add(sum, tensor);
        return rotated ? MemoryBudget.add(sum, tensor) : sum;
    }

    /** What the header says, for messages: "PNG, 3 bands of 8 bits". */
    String describe() {
        return format.toUpperCase(Locale.ROOT) + ", " + bands + (bands == 1 ? " band" : " bands") + " of "
                + bitsPerSample + (bitsPerSample == 1 ? " bit" : " bits");
    }

    @Override
    public String toString() {
        return width + "x" + height + " " + describe() + " -> " + channels + " channel" + (channels == 1 ? "" : "s");
    }

    private static int ceil(int n, int step) {
        return (n + step - 1) / step;
    }

    /** Bytes of a raster of the model {@code sm} (made at 1x1) at w x h, without creating it. */
    static long rasterBytes(SampleModel sm, int w, int h) {
        int elementBytes = Math.max(1, DataBuffer.getDataTypeSize(sm.getDataType()) / 8);
        if (sm instanceof MultiPixelPackedSampleModel mp) {
            int elementBits = DataBuffer.getDataTypeSize(sm.getDataType());
            long rowElements = ((long) w * mp.getPixelBitStride() + elementBits - 1) / elementBits;
            return MemoryBudget.bytesOf(elementBytes, rowElements, h);
        }
        if (sm instanceof SinglePixelPackedSampleModel) {
            return MemoryBudget.bytesOf(elementBytes, w, h);
        }
        if (sm instanceof ComponentSampleModel cs) {
            int perPixel = Math.max(cs.getPixelStride(), 1);
            int elements = Math.max(perPixel, sm.getNumBands());
            return MemoryBudget.bytesOf((long) elementBytes * elements, w, h);
        }
        int bits = 0;
        for (int b = 0; b < sm.getNumBands(); b++) {
            bits += sm.getSampleSize(b);
        }
        long perPixel = Math.max((bits + 7) / 8, (long) elementBytes * sm.getNumDataElements());
        return MemoryBudget.bytesOf(perPixel, w, h);
    }
}
