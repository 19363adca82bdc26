package org.convnet4j.image;

import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.AtomicFiles;
import org.convnet4j.util.MemoryBudget;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * Reading, writing and resampling images as tensors of shape [C, H, W] with values 0..255 (C = 1 for grey,
 * 3 for RGB). Uses only javax.imageio, so the formats are those the JDK ships: PNG, JPEG, BMP, GIF.
 */
public final class Images {
    /** Default limit on width*height of an image we agree to decode. */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;
    /** System property that overrides {@link #DEFAULT_MAX_PIXELS}. */
    public static final String MAX_PIXELS_PROPERTY = "convnet4j.maxPixels";

    private static final String SUPPORTED = "PNG, JPEG, BMP, GIF, WebP, TIFF";

    static {
        // ImageIO would otherwise spool streams through temporary files in java.io.tmpdir; our images fit in memory.
        ImageIO.setUseCache(false);
    }

    private Images() {
    }

    /** The pixel limit in force: the system property {@value #MAX_PIXELS_PROPERTY} or 100 megapixels. */
    public static long maxPixels() {
        String p = System.getProperty(MAX_PIXELS_PROPERTY);
        if (p == null || p.isBlank()) {
            return DEFAULT_MAX_PIXELS;
        }
        try {
            long v = Long.parseLong(p.trim());
            if (v < 1) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + MAX_PIXELS_PROPERTY + "=" + p + ": expected a positive whole number of pixels");
        }
    }

    // ---- reading --------------------------------------------------------------------------------

    /** Reads an image with the default pixel limit; see {@link #read(Path, long)}. */
    public static Tensor read(Path file) throws ImageFormatException {
        return read(file, maxPixels());
    }

    /**
     * Reads an image as [C, H, W] floats 0..255. Grey images (also grey+alpha, 16-bit grey, and palette images
     * whose palette is all grey) give C = 1, everything else C = 3 in RGB order; alpha is dropped.
     * The size is taken from the header and checked against {@code maxPixels} and {@link MemoryBudget} (in bytes
     * of what decoding holds: the decoded picture and the float tensor) before any pixel is decoded. A JPEG's
     * EXIF orientation is applied (a phone photo taken upright comes out upright). CMYK/YCCK JPEGs are converted
     * to RGB (TwelveMonkeys' JPEG reader, with the file's ICC profile or a default CMYK one; the JDK's decoder would
     * get their colours wrong). Pictures whose data ends early or is damaged are refused: the decoders only warn
     * about those and would otherwise fill the rest with grey. WebP is read too.
     */
    public static Tensor read(Path file, long maxPixels) throws ImageFormatException {
        return read(file, maxPixels, 0, 0);
    }

    /**
     * As {@link #read(Path)}, but when the full picture would not fit {@link MemoryBudget} or the pixel limit,
     * decodes only every n-th pixel in each direction (ImageIO source subsampling: the decoder streams through the
     * file and keeps only those rows and columns), with the smallest n that fits and keeps at least
     * {@code minHeight} x {@code minWidth}: a model that takes 224x224 does not need a 100-megapixel camera picture
     * in memory. The pixel limit then applies to the decoded picture, for files of up to 16 times the limit
     * (beyond, decoding would take too long). A picture that fits is decoded in full, so results do not change
     * with the budget.
     */
    public static Tensor readAtLeast(Path file, int minHeight, int minWidth) throws ImageFormatException {
        if (minHeight < 1 || minWidth < 1) {
            throw new IllegalArgumentException("Images.readAtLeast: sizes must be >= 1, got " + minHeight + "x" + minWidth);
        }
        return readAtLeast(file, maxPixels(), minHeight, minWidth);
    }

    /** As {@link #readAtLeast(Path, int, int)} with the caller's pixel limit (on the decoded picture). */
    public static Tensor readAtLeast(Path file, long maxPixels, int minHeight, int minWidth) throws ImageFormatException {
        if (minHeight < 1 || minWidth < 1) {
            throw new IllegalArgumentException("Images.readAtLeast: sizes must be >= 1, got " + minHeight + "x" + minWidth);
        }
        return read(file, maxPixels, minHeight, minWidth);
    }

    /**
     * As {@link #read(Path)}, for a caller whose processing will hold {@code workingCopies} more float tensors of
     * the picture's size (padded copies, filter responses, output pictures): the picture's header (size, bands, bit
     * depth) is read first and what decoding and that processing need is checked against {@link MemoryBudget}
     * before any pixel is decoded, so a picture too large for the work is refused in one message at once rather
     * than after decoding it.
     */
    public static Tensor readToProcess(Path file, int workingCopies) throws ImageFormatException {
        if (workingCopies < 0) {
            throw new IllegalArgumentException("Images.readToProcess: workingCopies must be >= 0, got " + workingCopies);
        }
        return read(file, maxPixels(), 0, 0, workingCopies);
    }

    /**
     * The header of a picture file (format, size, bands, bit depth, the tensor's channels and what decoding needs),
     * read without decoding pixel data; the same checks of the file as {@link #read(Path)} before that.
     */
    public static PictureHeader header(Path file) throws ImageFormatException {
        String name = file.toString();
        JpegHeader jpeg = jpegHeaderOf(file, name);
        return withReader(() -> ImageIO.createImageInputStream(file.toFile()), name, r -> header(r, name, jpeg));
    }

    /** Opens the stream a picture is read from. */
    @FunctionalInterface
    private interface StreamOpener {
        ImageInputStream open() throws IOException;
    }

    /** What is done with a picture's reader once it is set to the picture. */
    @FunctionalInterface
    private interface ReaderTask<T> {
        T apply(ImageReader reader) throws IOException;
    }

    /**
     * Opens the picture's stream, finds its reader, sets it to the stream, runs {@code task} and disposes the reader:
     * the one place where headers and pictures are opened, and where an I/O failure becomes {@code NAME: cannot
     * read: why} (an {@link ImageFormatException} from {@code task} passes unchanged).
     */
    private static <T> T withReader(StreamOpener opener, String name, ReaderTask<T> task) throws ImageFormatException {
        try (ImageInputStream in = opener.open()) {
            ImageReader reader = readerFor(in, name);
            try {
                reader.setInput(in, true, true);
                return task.apply(reader);
            } finally {
                reader.dispose();
            }
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageFormatException(name + ": cannot read: " + describe(e), e);
        }
    }

    /**
     * As {@link #header(Path)} for a picture held in memory (an upload): format, size, bands and what decoding it
     * needs, without decoding pixel data; {@code name} is used in messages.
     */
    public static PictureHeader header(byte[] bytes, String name) throws ImageFormatException {
        if (bytes.length == 0) {
            throw new ImageFormatException(name + ": empty file, not an image");
        }
        RiffLength.requireWhole(java.util.Arrays.copyOf(bytes, Math.min(bytes.length, 12)), bytes.length, name);
        JpegHeader jpeg = JpegHeader.parse(bytes);
        return withReader(() -> ImageIO.createImageInputStream(new ByteArrayInputStream(bytes)), name,
                r -> header(r, name, jpeg));
    }

    private static Tensor read(Path file, long maxPixels, int minHeight, int minWidth) throws ImageFormatException {
        return read(file, maxPixels, minHeight, minWidth, 0);
    }

    private static JpegHeader jpegHeaderOf(Path file, String name) throws ImageFormatException {
        if (!Files.exists(file)) {
            throw new ImageFormatException(name + ": file not found");
        }
        if (!Files.isRegularFile(file)) {
            throw new ImageFormatException(name + ": not a regular file");
        }
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 8192)) {
            if (Files.size(file) == 0) {
                throw new ImageFormatException(name + ": empty file, not an image");
            }
            in.mark(16);
            RiffLength.requireWhole(in.readNBytes(12), Files.size(file), name);
            in.reset();
            return JpegHeader.read(in);
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageFormatException(name + ": cannot read: " + describe(e), e);
        }
    }

    private static ImageReader readerFor(ImageInputStream in, String name) throws ImageFormatException {
        if (in == null) {
            throw new ImageFormatException(name + ": cannot open for reading");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new ImageFormatException(name + ": not a supported image (" + SUPPORTED + ")");
        }
        return readers.next();
    }

    /** The header of the picture {@code reader} is set to, from its size and image types (no pixel decoded). */
    private static PictureHeader header(ImageReader reader, String name, JpegHeader jpeg) throws ImageFormatException {
        int w;
        int h;
        try {
            w = reader.getWidth(0);
            h = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            throw new ImageFormatException(name + ": corrupt image header: " + describe(e), e);
        }
        if (w < 1 || h < 1) {
            throw new ImageFormatException(name + ": image header claims a size of " + w + "x" + h);
        }
        try {
            Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
            if (types == null || !types.hasNext()) {
                throw new ImageFormatException(name + ": unsupported kind of image (no decoded form; convert it to RGB)");
            }
            ImageTypeSpecifier destination = types.next(); // what read() decodes into without a destination type
            ImageTypeSpecifier raw = reader.getRawImageType(0);
            int orientation = jpeg == null ? 1 : jpeg.orientation();
            return PictureHeader.of(reader.getFormatName(), w, h, destination, raw, orientation > 1 && orientation <= 8);
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageFormatException(name + ": corrupt image header: " + describe(e), e);
        }
    }

    private static Tensor read(Path file, long maxPixels, int minHeight, int minWidth, int workingCopies)
            throws ImageFormatException {
        String name = file.toString();
        // Streamed: the decoder reads the file as it goes (never the whole file in memory), and with source
        // subsampling keeps only the rows and columns it needs. A JPEG's segment headers (colour components, EXIF
        // orientation) are read first in a pass that skips every segment body but EXIF's (at most 64 KB), however
        // far into the file the picture data starts.
        JpegHeader jpeg = jpegHeaderOf(file, name);
        return withReader(() -> ImageIO.createImageInputStream(file.toFile()), name,
                r -> decode(r, jpeg, name, maxPixels, minHeight, minWidth, workingCopies));
    }

    /** Decodes a picture held in memory (an upload, a resource); {@code name} is used in messages. */
    public static Tensor read(byte[] bytes, String name) throws ImageFormatException {
        return decode(bytes, name, maxPixels(), 0, 0);
    }

    /** As {@link #read(byte[], String)} with a pixel limit of the caller's (a server's, lower than the tools'). */
    public static Tensor read(byte[] bytes, String name, long maxPixels) throws ImageFormatException {
        return decode(bytes, name, maxPixels, 0, 0);
    }

    /**
     * Decodes a picture from a stream (read to its end, not closed), refusing more than
     * {@link MemoryBudget#limitBytes()} bytes; {@code name} is used in messages.
     */
    public static Tensor read(InputStream in, String name) throws ImageFormatException {
        long limit = Math.min(MemoryBudget.limitBytes(), Integer.MAX_VALUE - 8);
        byte[] bytes;
        try {
            bytes = in.readNBytes((int) limit + 1);
        } catch (IOException e) {
            throw new ImageFormatException(name + ": cannot read: " + describe(e), e);
        }
        if (bytes.length > limit) {
            throw new ImageFormatException(name + ": more than " + MemoryBudget.human(limit) + ", too large for a picture");
        }
        return decode(bytes, name, maxPixels(), 0, 0);
    }

    /** A picture already decoded by the caller, as [C, H, W] 0..255 by the same rules as {@link #read(Path)}. */
    public static Tensor fromImage(BufferedImage image) {
        if (image == null) {
            throw new IllegalArgumentException("Images.fromImage: image is null");
        }
        return toTensor(image);
    }

    private static Tensor decode(byte[] bytes, String name, long maxPixels, int minHeight, int minWidth)
            throws ImageFormatException {
        if (bytes.length == 0) {
            throw new ImageFormatException(name + ": empty file, not an image");
        }
        RiffLength.requireWhole(java.util.Arrays.copyOf(bytes, Math.min(bytes.length, 12)), bytes.length, name);
        JpegHeader jpeg = JpegHeader.parse(bytes);
        return withReader(() -> ImageIO.createImageInputStream(new ByteArrayInputStream(bytes)), name,
                r -> decode(r, jpeg, name, maxPixels, minHeight, minWidth, 0));
    }

    /**
     * Decodes the picture {@code reader} is set to; {@code jpeg}: the same data's JPEG segment headers, null if it is
     * not a JPEG; {@code workingCopies}: float tensors of the picture's size the caller will hold besides it.
     */
    private static Tensor decode(ImageReader reader, JpegHeader jpeg, String name, long maxPixels, int minHeight,
                                 int minWidth, int workingCopies) throws ImageFormatException {
        // CMYK and YCCK JPEGs are converted to RGB by TwelveMonkeys' JPEG reader (ahead of the JDK's, which gets
        // their colours wrong): with the file's ICC profile, else a default CMYK profile
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> {
            // TwelveMonkeys notes a CMYK file without an ICC profile (converted with a default one): not damage
            if (!String.valueOf(warning).contains("ICC color profile")) {
                warnings.add(warning);
            }
        });
        // Everything below is decided from the header: size, bands and bit depth give what decoding (and the
        // caller's work) will hold, compared with the budget before any pixel is decoded.
        PictureHeader header = header(reader, name, jpeg);
        int w = header.width();
        int h = header.height();
        long pixels = header.pixels();
        boolean subsampling = minHeight > 0 && minWidth > 0;
        int maxStep = subsampling ? Math.max(1, Math.min(h / minHeight, w / minWidth)) : 1;
        // the smallest step whose decoded picture fits both the pixel cap and the memory budget; a caller
        // that needs less than the full picture gets it subsampled instead of refused (the cap is on what
        // is decoded), up to SUBSAMPLED_SOURCE_FACTOR times the cap in the file (decoding time)
        long limit = MemoryBudget.limitBytes();
        int step = 1;
        while (step < maxStep && ((long) ((h + step - 1) / step) * ((w + step - 1) / step) > maxPixels
                || neededBytes(header, step, workingCopies) > limit
                || neededBytes(header, step, workingCopies) < 0)) {
            step++;
        }
        long decodedPixels = (long) ((h + step - 1) / step) * ((w + step - 1) / step);
        boolean capOnDecoded = step > 1 && pixels / SUBSAMPLED_SOURCE_FACTOR <= maxPixels;
        if (capOnDecoded ? decodedPixels > maxPixels : pixels > maxPixels) {
            throw new ImageFormatException(name + ": " + w + "x" + h + " = " + megapixels(pixels)
                    + " megapixels exceeds the limit of " + megapixels(maxPixels) + " megapixels"
                    + (maxPixels < 1_000_000 ? " (" + maxPixels + " pixels)" : "")
                    + " (set -D" + MAX_PIXELS_PROPERTY + ")");
        }
        try {
            MemoryBudget.require(name + ": a " + w + "x" + h + " picture (" + header.describe() + ")"
                    + (step > 1 ? " read at 1/" + step : "")
                    + (workingCopies > 0 ? ", decoded and processed with " + workingCopies
                            + " working copies of it as floats," : ""),
                    neededBytes(header, step, workingCopies));
        } catch (MemoryBudget.TooLargeException e) {
            throw new ImageFormatException(e.getMessage(), e);
        }
        BufferedImage image;
        try {
            ImageReadParam param = reader.getDefaultReadParam();
            if (step > 1) {
                param.setSourceSubsampling(step, step, 0, 0);
            }
            image = reader.read(0, param);
        } catch (IOException | RuntimeException e) {
            if (String.valueOf(e.getMessage()).contains("Unsupported Image Type")) {
                throw new ImageFormatException(name + ": unsupported kind of image (convert it to RGB): "
                        + describe(e), e);
            }
            // Decoders throw unchecked exceptions too (e.g. index errors on damaged data).
            throw new ImageFormatException(name + ": corrupt image data: " + describe(e), e);
        }
        if (!warnings.isEmpty()) {
            // "Premature end of JPEG file", "Corrupt JPEG data": the missing part would be grey
            throw new ImageFormatException(name + ": truncated or damaged image data (" + warnings.get(0) + ")");
        }
        Tensor t = toTensor(image);
        return jpeg == null ? t : Orientation.apply(t, jpeg.orientation());
    }

    /**
     * What reading the picture at 1/{@code step} holds at its peak: decoding it ({@link PictureHeader#decodingBytes}),
     * or the tensor and {@code workingCopies} more of its size, whichever is more; negative when above 8 EB.
     */
    static long neededBytes(PictureHeader header, int step, int workingCopies) {
        long decoding = header.decodingBytes(step);
        long work = MemoryBudget.bytesOf(1L + workingCopies, header.tensorBytes(step));
        return decoding < 0 || work < 0 ? -1 : Math.max(decoding, work);
    }

    /**
     * How many times the pixel cap a picture may have in its file when it is read subsampled to fit the cap
     * ({@link #readAtLeast}): memory is bounded by what is decoded, time by what the decoder still has to read.
     */
    static final long SUBSAMPLED_SOURCE_FACTOR = 16;

    private static String megapixels(long pixels) {
        double mp = pixels / 1e6;
        if (mp == Math.rint(mp)) {
            return Long.toString((long) mp);
        }
        return mp >= 0.01 ? String.format(Locale.ROOT, "%.2f", mp) : String.format(Locale.ROOT, "%.6f", mp);
    }

    private static String describe(Throwable e) {
        StringBuilder b = new StringBuilder();
        Throwable t = e;
        while (t != null && b.length() < 300) {
            if (b.length() > 0) {
                b.append(": ");
            }
            b.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
            t = t.getCause() == t ? null : t.getCause();
        }
        return b.toString();
    }

    /** Converts a decoded image to [C, H, W] 0..255, choosing C = 1 or 3 as described in {@link #read}. */
    static Tensor toTensor(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        if (cm instanceof IndexColorModel) {
            return fromPalette((IndexColorModel) cm, raster, w, h);
        }
        if (cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
            // Raw samples, not getRGB(): that would push linear grey through a gamma conversion.
            float[] d = raster.getSamples(0, 0, w, h, 0, new float[w * h]);
            int bits = cm.getComponentSize(0);
            if (bits != 8) {
                float scale = (float) (255.0 / ((1L << bits) - 1));
                for (int i = 0; i < d.length; i++) {
                    d[i] *= scale;
                }
            }
            return Tensor.wrap(d, 1, h, w);
        }
        float[] direct = rgbSamples(cm, raster, w, h);
        if (direct != null) {
            return Tensor.wrap(direct, 3, h, w);
        }
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        float[] d = new float[3 * w * h];
        int plane = w * h;
        for (int i = 0; i < plane; i++) {
            int p = argb[i];
            d[i] = (p >> 16) & 0xff;
            d[plane + i] = (p >> 8) & 0xff;
            d[2 * plane + i] = p & 0xff;
        }
        return Tensor.wrap(d, 3, h, w);
    }

    /**
     * The red, green and blue planes of an image whose pixels are 8-bit sRGB samples, read straight from its
     * raster: bytes interleaved in any order, with or without alpha (what PNG and JPEG decode to), or packed in ints
     * (TYPE_INT_RGB, _ARGB, _BGR). For these {@code getRGB} returns the stored samples unchanged, only through
     * several colour-model calls per pixel, which were most of the CPU of the server's picture endpoint for a
     * 320x240 picture (docs/SERVING.md). Null for anything else (other colour spaces, other sample sizes,
     * premultiplied alpha, several banks): {@code getRGB} then converts.
     */
    static float[] rgbSamples(ColorModel cm, Raster raster, int w, int h) {
        if (!cm.getColorSpace().isCS_sRGB() || cm.getNumColorComponents() != 3 || cm.isAlphaPremultiplied()) {
            return null;
        }
        for (int i = 0; i < cm.getNumComponents(); i++) {
            if (cm.getComponentSize(i) != 8) {
                return null;
            }
        }
        int plane = w * h;
        int tx = raster.getSampleModelTranslateX();
        int ty = raster.getSampleModelTranslateY();
        if (cm instanceof java.awt.image.ComponentColorModel
                && raster.getSampleModel() instanceof java.awt.image.ComponentSampleModel sm
                && raster.getDataBuffer() instanceof java.awt.image.DataBufferByte db && db.getNumBanks() == 1
                && sm.getNumBands() == cm.getNumComponents()) {
            byte[] data = db.getData();
            int ps = sm.getPixelStride();
            int r0 = sm.getBandOffsets()[0];
            int g0 = sm.getBandOffsets()[1];
            int b0 = sm.getBandOffsets()[2];
            float[] d = new float[3 * plane];
            for (int y = 0; y < h; y++) {
                // the pixel's first byte; ComponentSampleModel.getOffset(x, y) would add band 0's offset
                int at = db.getOffset() + (y - ty) * sm.getScanlineStride() - tx * ps;
                int row = y * w;
                for (int x = 0; x < w; x++, at += ps) {
                    d[row + x] = data[at + r0] & 0xff;
                    d[plane + row + x] = data[at + g0] & 0xff;
                    d[2 * plane + row + x] = data[at + b0] & 0xff;
                }
            }
            return d;
        }
        if (cm instanceof java.awt.image.DirectColorModel dcm
                && raster.getSampleModel() instanceof java.awt.image.SinglePixelPackedSampleModel sm
                && raster.getDataBuffer() instanceof java.awt.image.DataBufferInt db && db.getNumBanks() == 1) {
            int[] data = db.getData();
            int rs = Integer.numberOfTrailingZeros(dcm.getRedMask());
            int gs = Integer.numberOfTrailingZeros(dcm.getGreenMask());
            int bs = Integer.numberOfTrailingZeros(dcm.getBlueMask());
            if (dcm.getRedMask() != 0xff << rs || dcm.getGreenMask() != 0xff << gs || dcm.getBlueMask() != 0xff << bs) {
                return null;
            }
            float[] d = new float[3 * plane];
            for (int y = 0; y < h; y++) {
                int at = db.getOffset() + sm.getOffset(-tx, y - ty);
                int row = y * w;
                for (int x = 0; x < w; x++) {
                    int p = data[at + x];
                    d[row + x] = (p >>> rs) & 0xff;
                    d[plane + row + x] = (p >>> gs) & 0xff;
                    d[2 * plane + row + x] = (p >>> bs) & 0xff;
                }
            }
            return d;
        }
        return null;
    }

    private static Tensor fromPalette(IndexColorModel cm, Raster raster, int w, int h) {
        int n = cm.getMapSize();
        boolean grey = true;
        for (int i = 0; i < n && grey; i++) {
            grey = cm.getRed(i) == cm.getGreen(i) && cm.getGreen(i) == cm.getBlue(i);
        }
        int[] idx = raster.getSamples(0, 0, w, h, 0, new int[w * h]);
        int plane = w * h;
        float[] d = new float[(grey ? 1 : 3) * plane];
        for (int i = 0; i < plane; i++) {
            int k = idx[i];
            d[i] = cm.getRed(k);
            if (!grey) {
                d[plane + i] = cm.getGreen(k);
                d[2 * plane + i] = cm.getBlue(k);
            }
        }
        return grey ? Tensor.wrap(d, 1, h, w) : Tensor.wrap(d, 3, h, w);
    }

    // ---- writing --------------------------------------------------------------------------------

    /**
     * Writes a [C, H, W] or [1, C, H, W] tensor (C = 1 or 3, values 0..255, rounded and clamped) as an image;
     * the format comes from the extension (png, jpg/jpeg, bmp, gif). The file is replaced atomically.
     */
    public static void write(Tensor image, Path file) throws IOException {
        String format = formatOf(file);
        Tensor chw = asChw("Images.write", image);
        requireDirectory(file);
        BufferedImage img = toBufferedImage(chw);
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, format, out)) {
                throw new ImageFormatException(file + ": no " + format.toUpperCase(Locale.ROOT)
                        + " writer accepts a " + chw.dim(0) + "-channel image");
            }
        });
    }

    private static String formatOf(Path file) throws ImageFormatException {
        String fn = file.getFileName() == null ? "" : file.getFileName().toString();
        int dot = fn.lastIndexOf('.');
        String ext = dot < 0 ? "" : fn.substring(dot + 1).toLowerCase(Locale.ROOT);
        switch (ext) {
            case "png":
                return "png";
            case "jpg":
            case "jpeg":
                return "jpeg";
            case "bmp":
                return "bmp";
            case "gif":
                return "gif";
            default:
                throw new ImageFormatException(file + ": unknown image extension "
                        + (ext.isEmpty() ? "(none)" : "'." + ext + "'") + "; use .png, .jpg, .jpeg, .bmp or .gif");
        }
    }

    private static void requireDirectory(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException(file + ": output directory " + dir + " does not exist");
        }
    }

    private static Tensor asChw(String op, Tensor t) {
        if (t.rank() == 4) {
            if (t.dim(0) != 1) {
                throw new IllegalArgumentException(op + ": a batch of " + t.dim(0) + " images " + t.shape()
                        + " cannot be one image file; pass one sample");
            }
            t = t.reshape(t.shape().dropFirst());
        }
        if (t.rank() != 3 || (t.dim(0) != 1 && t.dim(0) != 3)) {
            throw new IllegalArgumentException(op + ": expected an image of shape [C, H, W] or [1, C, H, W] with C = 1 or 3, got "
                    + t.shape());
        }
        return t;
    }

    private static int toByte(float v) {
        if (Float.isNaN(v)) {
            return 0;
        }
        return Math.max(0, Math.min(255, Math.round(v)));
    }

    /** Grey images become TYPE_BYTE_GRAY and colour ones TYPE_INT_RGB: the types every JDK writer accepts. */
    private static BufferedImage toBufferedImage(Tensor chw) {
        int c = chw.dim(0);
        int h = chw.dim(1);
        int w = chw.dim(2);
        float[] d = chw.data();
        int plane = h * w;
        if (c == 1) {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            WritableRaster r = img.getRaster();
            int[] px = new int[plane];
            for (int i = 0; i < plane; i++) {
                px[i] = toByte(d[i]);
            }
            r.setSamples(0, 0, w, h, 0, px);
            return img;
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] rgb = new int[plane];
        for (int i = 0; i < plane; i++) {
            rgb[i] = (toByte(d[i]) << 16) | (toByte(d[plane + i]) << 8) | toByte(d[2 * plane + i]);
        }
        img.setRGB(0, 0, w, h, rgb, 0, w);
        return img;
    }

    /**
     * Writes raw numbers as text: one image row per line, values separated by commas, one block per channel
     * with a blank line between blocks. Accepts rank 1 (one line), 2 (one block) and higher (all leading
     * dimensions flattened into blocks). Written atomically.
     */
    public static void writeCsv(Tensor t, Path file) throws IOException {
        requireDirectory(file);
        int w = t.dim(-1);
        int rows = t.rank() >= 2 ? t.dim(-2) : 1;
        int blocks = t.size() / (w * rows);
        float[] d = t.data();
        AtomicFiles.write(file, out -> {
            Writer wr = new OutputStreamWriter(nonClosing(out), StandardCharsets.UTF_8);
            StringBuilder line = new StringBuilder();
            for (int b = 0; b < blocks; b++) {
                if (b > 0) {
                    wr.write('\n');
                }
                for (int y = 0; y < rows; y++) {
                    line.setLength(0);
                    int base = (b * rows + y) * w;
                    for (int x = 0; x < w; x++) {
                        if (x > 0) {
                            line.append(',');
                        }
                        line.append(formatNumber(d[base + x]));
                    }
                    line.append('\n');
                    wr.write(line.toString());
                }
            }
            wr.flush();
        });
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    /** Whole numbers without a fraction ("3", not "3.0"); others in the shortest form that reads back exactly. */
    public static String formatNumber(float v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9f) {
            return Long.toString((long) v);
        }
        return Float.toString(v);
    }

    // ---- resampling -----------------------------------------------------------------------------

    /**
     * Bilinear resize of [C, H, W] to [C, h, w] with align-corners=false (half-pixel centres), the convention of
     * PyTorch's interpolate(mode="bilinear") without antialiasing: output pixel x samples the input at
     * (x + 0.5) * inW / w - 0.5, clamped to the image.
     */
    public static Tensor resize(Tensor chw, int h, int w) {
        chw.requireRank("Images.resize", 3);
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException("Images.resize: target size " + h + "x" + w + " must be at least 1x1");
        }
        int c = chw.dim(0);
        int inH = chw.dim(1);
        int inW = chw.dim(2);
        if (inH == h && inW == w) {
            return chw.copy();
        }
        int[] x0 = new int[w];
        int[] x1 = new int[w];
        float[] fx = new float[w];
        sourceCoordinates(inW, w, x0, x1, fx);
        int[] y0 = new int[h];
        int[] y1 = new int[h];
        float[] fy = new float[h];
        sourceCoordinates(inH, h, y0, y1, fy);
        float[] src = chw.data();
        float[] dst = new float[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            int sBase = ch * inH * inW;
            int dBase = ch * h * w;
            for (int y = 0; y < h; y++) {
                int r0 = sBase + y0[y] * inW;
                int r1 = sBase + y1[y] * inW;
                float wy = fy[y];
                for (int x = 0; x < w; x++) {
                    float top = src[r0 + x0[x]] + (src[r0 + x1[x]] - src[r0 + x0[x]]) * fx[x];
                    float bottom = src[r1 + x0[x]] + (src[r1 + x1[x]] - src[r1 + x0[x]]) * fx[x];
                    dst[dBase + y * w + x] = top + (bottom - top) * wy;
                }
            }
        }
        return Tensor.wrap(dst, c, h, w);
    }

    private static void sourceCoordinates(int in, int out, int[] i0, int[] i1, float[] frac) {
        double scale = (double) in / out;
        for (int o = 0; o < out; o++) {
            double s = Math.max(0.0, (o + 0.5) * scale - 0.5);
            int lo = Math.min((int) Math.floor(s), in - 1);
            i0[o] = lo;
            i1[o] = Math.min(lo + 1, in - 1);
            frac[o] = (float) (s - lo);
        }
    }

    /**
     * Antialiased bilinear resize of [C, H, W] to [C, h, w], the resampling of PIL's {@code Image.resize(size,
     * BILINEAR)} that torchvision's {@code Resize} applies to PIL pictures: a triangle filter whose support widens
     * by the scale factor when shrinking (every source pixel under an output pixel contributes), applied along the
     * rows first, then along the columns. Enlarging, it equals {@link #resize} up to rounding.
     *
     * <p>Pictures whose values are all whole numbers 0..255 (8-bit pictures as {@link #read} gives them) go
     * through PIL's 8-bit arithmetic: weights in fixed point with 22 fractional bits, each pass rounded and clipped
     * to 0..255, so the result equals PIL's bytes. Other values are resampled in double precision as PIL does for
     * its 32-bit float pictures (no rounding, no clipping).
     */
    public static Tensor resizeAntialiased(Tensor chw, int h, int w) {
        chw.requireRank("Images.resizeAntialiased", 3);
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException("Images.resizeAntialiased: target size " + h + "x" + w
                    + " must be at least 1x1");
        }
        int c = chw.dim(0);
        int inH = chw.dim(1);
        int inW = chw.dim(2);
        if (inH == h && inW == w) {
            return chw.copy();
        }
        boolean bytes = isBytes(chw.data());
        Taps horizontal = inW == w ? null : new Taps(inW, w);
        Taps vertical = inH == h ? null : new Taps(inH, h);
        // Rows the vertical pass reads (PIL resamples only those horizontally).
        int firstRow = vertical == null ? 0 : vertical.start[0];
        int lastRow = vertical == null ? inH : vertical.start[h - 1] + vertical.count[h - 1];
        float[] src = chw.data();
        float[] dst = new float[c * h * w];
        float[] temp = horizontal == null ? null : new float[(lastRow - firstRow) * w];
        for (int ch = 0; ch < c; ch++) {
            float[] plane = src;
            int base = ch * inH * inW;
            int rowOffset = 0;
            int planeW = inW;
            if (horizontal != null) {
                for (int y = firstRow; y < lastRow; y++) {
                    horizontal.apply(src, base + y * inW, 1, temp, (y - firstRow) * w, 1, bytes);
                }
                plane = temp;
                base = 0;
                rowOffset = firstRow;
                planeW = w;
            }
            if (vertical != null) {
                for (int x = 0; x < w; x++) {
                    vertical.apply(plane, base - rowOffset * planeW + x, planeW, dst, ch * h * w + x, w, bytes);
                }
            } else {
                System.arraycopy(plane, base, dst, ch * h * w, h * w);
            }
        }
        return Tensor.wrap(dst, c, h, w);
    }

    private static boolean isBytes(float[] v) {
        for (float f : v) {
            if (!(f >= 0f && f <= 255f) || f != Math.rint(f)) {
                return false;
            }
        }
        return true;
    }

    /** PIL's resampling coefficients for one axis (its precompute_coeffs with the bilinear filter, support 1). */
    private static final class Taps {
        private static final int PRECISION_BITS = 32 - 8 - 2;
        final int[] start;
        final int[] count;
        final double[][] weights;
        final int[][] fixed;

        Taps(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale; // the bilinear filter's support (1) times the scale
            start = new int[out];
            count = new int[out];
            weights = new double[out][];
            fixed = new int[out][];
            for (int o = 0; o < out; o++) {
                double center = (o + 0.5) * scale;
                int min = Math.max(0, (int) (center - support + 0.5));
                int max = Math.min(in, (int) (center + support + 0.5)) - min;
                double[] k = new double[Math.max(max, 0)];
                double sum = 0;
                for (int i = 0; i < k.length; i++) {
                    double t = Math.abs((i + min - center + 0.5) / filterScale);
                    k[i] = t < 1.0 ? 1.0 - t : 0.0;
                    sum += k[i];
                }
                int[] q = new int[k.length];
                for (int i = 0; i < k.length; i++) {
                    if (sum != 0.0) {
                        k[i] /= sum;
                    }
                    q[i] = (int) (0.5 + k[i] * (1 << PRECISION_BITS));
                }
                start[o] = min;
                count[o] = k.length;
                weights[o] = k;
                fixed[o] = q;
            }
        }

        /** One line: src[from + i * srcStep] resampled into dst[to + o * dstStep]. */
        void apply(float[] src, int from, int srcStep, float[] dst, int to, int dstStep, boolean bytes) {
            for (int o = 0; o < start.length; o++) {
                int s = from + start[o] * srcStep;
                if (bytes) {
                    int[] k = fixed[o];
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < k.length; i++) {
                        acc += (int) src[s + i * srcStep] * k[i];
                    }
                    dst[to + o * dstStep] = acc <= 0 ? 0f : acc >= (255 << PRECISION_BITS) + (1 << PRECISION_BITS)
                            ? 255f : (float) (acc >> PRECISION_BITS);
                } else {
                    double[] k = weights[o];
                    double acc = 0;
                    for (int i = 0; i < k.length; i++) {
                        acc += src[s + i * srcStep] * k[i];
                    }
                    dst[to + o * dstStep] = (float) acc;
                }
            }
        }
    }

    /** Luma (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B) of a [3, H, W] image as [1, H, W]; a grey image is copied. */
    public static Tensor toGrey(Tensor chw) {
        chw.requireRank("Images.toGrey", 3);
        int c = chw.dim(0);
        if (c == 1) {
            return chw.copy();
        }
        if (c != 3) {
            throw new IllegalArgumentException("Images.toGrey: expected 1 or 3 channels, got shape " + chw.shape());
        }
        int plane = chw.dim(1) * chw.dim(2);
        float[] s = chw.data();
        float[] d = new float[plane];
        for (int i = 0; i < plane; i++) {
            d[i] = 0.299f * s[i] + 0.587f * s[plane + i] + 0.114f * s[2 * plane + i];
        }
        return Tensor.wrap(d, 1, chw.dim(1), chw.dim(2));
    }

    /** A grey [1, H, W] image repeated into three identical channels; a colour image is copied. */
    public static Tensor toRgb(Tensor chw) {
        chw.requireRank("Images.toRgb", 3);
        int c = chw.dim(0);
        if (c == 3) {
            return chw.copy();
        }
        if (c != 1) {
            throw new IllegalArgumentException("Images.toRgb: expected 1 or 3 channels, got shape " + chw.shape());
        }
        int plane = chw.dim(1) * chw.dim(2);
        float[] d = new float[3 * plane];
        for (int k = 0; k < 3; k++) {
            System.arraycopy(chw.data(), 0, d, k * plane, plane);
        }
        return Tensor.wrap(d, 3, chw.dim(1), chw.dim(2));
    }
}
