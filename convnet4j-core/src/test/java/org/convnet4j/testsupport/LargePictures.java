package org.convnet4j.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Valid, complete picture files of many megapixels that take little space (one colour, or nearly): what an
 * attacker sends to make a decoder allocate gigabytes from a few hundred kilobytes. Written straight in each format
 * (never through a decoded picture in memory), so a test can make a 100-megapixel file in about a second:
 * PNG (any colour type and bit depth, deflated rows), baseline JPEG (grey or 3 components, every block flat),
 * BMP (8-bit palette, RLE8), GIF (LZW), TIFF (deflate, strips sharing their bytes).
 */
public final class LargePictures {
    private LargePictures() {
    }

    /**
     * A PNG of one colour: {@code colourType} 0 grey, 2 RGB, 4 grey + alpha, 6 RGBA; {@code bitDepth} 8 or 16;
     * every sample is {@code value} (its low byte repeated for 16 bits).
     */
    public static Path png(Path file, int width, int height, int colourType, int bitDepth, int value) throws IOException {
        int samples = switch (colourType) {
            case 0 -> 1;
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> throw new IllegalArgumentException("colour type " + colourType);
        };
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height);
            ihdr.put((byte) bitDepth).put((byte) colourType).put((byte) 0).put((byte) 0).put((byte) 0);
            chunk(out, "IHDR", ihdr.array(), 13);
            byte[] row = new byte[1 + width * samples * bitDepth / 8];
            Arrays.fill(row, (byte) value);
            row[0] = 0; // filter: none
            try (OutputStream idat = new ChunkStream(out, "IDAT");
                 DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(Deflater.BEST_SPEED), 1 << 16)) {
                for (int y = 0; y < height; y++) {
                    z.write(row);
                }
            }
            chunk(out, "IEND", new byte[0], 0);
        }
        return file;
    }

    private static void chunk(OutputStream out, String type, byte[] data, int length) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(length);
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        d.write(t);
        d.write(data, 0, length);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data, 0, length);
        d.writeInt((int) crc.getValue());
        d.flush();
    }

    /** Buffers what is written and sends it as chunks of one type (IDAT) of up to 64 KB; close writes the rest. */
    private static final class ChunkStream extends OutputStream {
        private final OutputStream out;
        private final String type;
        private final byte[] buf = new byte[1 << 16];
        private int n;

        ChunkStream(OutputStream out, String type) {
            this.out = out;
            this.type = type;
        }

        @Override
        public void write(int b) throws IOException {
            if (n == buf.length) {
                chunk(out, type, buf, n);
                n = 0;
            }
            buf[n++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (n == buf.length) {
                    chunk(out, type, buf, n);
                    n = 0;
                }
                int k = Math.min(len, buf.length - n);
                System.arraycopy(b, off, buf, n, k);
                n += k;
                off += k;
                len -= k;
            }
        }

        @Override
        public void close() throws IOException {
            if (n > 0) {
                chunk(out, type, buf, n);
                n = 0;
            }
        }
    }

    /**
     * A baseline JPEG, grey ({@code components} 1) or three components without subsampling, every 8x8 block flat
     * mid-grey: one Huffman table per class with one code of one bit (DC difference 0, end of block), so each block
     * takes 2 bits: 100 megapixels in 0.4 MB (grey) or 1.2 MB.
     */
    public static Path jpeg(Path file, int width, int height, int components) throws IOException {
        if (components != 1 && components != 3) {
            throw new IllegalArgumentException("components " + components);
        }
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            DataOutputStream d = new DataOutputStream(out);
            d.writeShort(0xffd8);
            d.writeShort(0xffdb); // quantisation table 0, all ones
            d.writeShort(67);
            d.writeByte(0);
            for (int i = 0; i < 64; i++) {
                d.writeByte(1);
            }
            d.writeShort(0xffc0); // baseline frame
            d.writeShort(8 + 3 * components);
            d.writeByte(8);
            d.writeShort(height);
            d.writeShort(width);
            d.writeByte(components);
            for (int c = 1; c <= components; c++) {
                d.writeByte(c);
                d.writeByte(0x11);
                d.writeByte(0);
            }
            for (int tableClass = 0; tableClass < 2; tableClass++) { // DC table 0: symbol 0; AC table 0: symbol 0 (EOB)
                d.writeShort(0xffc4);
                d.writeShort(2 + 1 + 16 + 1);
                d.writeByte(tableClass << 4);
                d.writeByte(1); // one code of length 1
                for (int i = 1; i < 16; i++) {
                    d.writeByte(0);
                }
                d.writeByte(0);
            }
            d.writeShort(0xffda);
            d.writeShort(6 + 2 * components);
            d.writeByte(components);
            for (int c = 1; c <= components; c++) {
                d.writeByte(c);
                d.writeByte(0x00);
            }
            d.writeByte(0);
            d.writeByte(63);
            d.writeByte(0);
            long blocks = (long) ((width + 7) / 8) * ((height + 7) / 8) * components;
            long bits = 2 * blocks;
            byte[] zeros = new byte[1 << 16];
            long bytes = bits / 8;
            while (bytes > 0) {
                int k = (int) Math.min(bytes, zeros.length);
                d.write(zeros, 0, k);
                bytes -= k;
            }
            int rest = (int) (bits % 8);
            if (rest > 0) {
                d.writeByte((1 << (8 - rest)) - 1); // the last bits are zeros, padded with ones
            }
            d.writeShort(0xffd9);
            d.flush();
        }
        return file;
    }

    /** An 8-bit palette BMP compressed with RLE8, every pixel palette entry 0 (of a two-colour palette). */
    public static Path bmpRle8(Path file, int width, int height, int rgb) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        byte[] rowData;
        ByteArrayOutputStream row = new ByteArrayOutputStream();
        for (int x = 0; x < width; x += 255) {
            row.write(Math.min(255, width - x));
            row.write(0);
        }
        row.write(0);
        row.write(0); // end of line
        rowData = row.toByteArray();
        for (int y = 0; y < height; y++) {
            data.write(rowData, 0, rowData.length);
        }
        data.write(0);
        data.write(1); // end of bitmap
        byte[] pixels = data.toByteArray();
        int paletteBytes = 2 * 4;
        int offset = 14 + 40 + paletteBytes;
        ByteBuffer b = ByteBuffer.allocate(offset + pixels.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(offset + pixels.length).putInt(0).putInt(offset);
        b.putInt(40).putInt(width).putInt(height).putShort((short) 1).putShort((short) 8).putInt(1 /* BI_RLE8 */)
                .putInt(pixels.length).putInt(2835).putInt(2835).putInt(2).putInt(0);
        b.put((byte) (rgb & 0xff)).put((byte) ((rgb >> 8) & 0xff)).put((byte) ((rgb >> 16) & 0xff)).put((byte) 0);
        b.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        b.put(pixels);
        return Files.write(file, b.array());
    }

    /**
     * An RGB TIFF of one colour, deflate-compressed in strips of 100 rows that all point at the same compressed bytes
     * (TIFF lets strips share them; a reader decompresses each), so 100 megapixels take a few kilobytes.
     */
    public static Path tiff(Path file, int width, int height, int value) throws IOException {
        int rowsPerStrip = Math.min(100, height);
        int strips = (height + rowsPerStrip - 1) / rowsPerStrip;
        byte[] raw = new byte[rowsPerStrip * width * 3];
        Arrays.fill(raw, (byte) value);
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        deflater.setInput(raw);
        deflater.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (!deflater.finished()) {
            z.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        byte[] strip = z.toByteArray();
        int entries = 10;
        int ifd = 8;
        int bitsAt = ifd + 2 + 12 * entries + 4;
        int offsetsAt = bitsAt + 6;
        int countsAt = offsetsAt + 4 * strips;
        int dataAt = countsAt + 4 * strips;
        ByteBuffer b = ByteBuffer.allocate(dataAt + strip.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(ifd);
        b.putShort((short) entries);
        tag(b, 256, 4, 1, width);
        tag(b, 257, 4, 1, height);
        tag(b, 258, 3, 3, bitsAt);
        tag(b, 259, 3, 1, 8); // deflate
        tag(b, 262, 3, 1, 2); // RGB
        tag(b, 273, 4, strips, strips == 1 ? dataAt : offsetsAt);
        tag(b, 277, 3, 1, 3);
        tag(b, 278, 4, 1, rowsPerStrip);
        tag(b, 279, 4, strips, strips == 1 ? strip.length : countsAt);
        tag(b, 284, 3, 1, 1);
        b.putInt(0);
        b.putShort((short) 8).putShort((short) 8).putShort((short) 8);
        for (int i = 0; i < strips; i++) {
            b.putInt(dataAt);
        }
        for (int i = 0; i < strips; i++) {
            b.putInt(strip.length);
        }
        b.put(strip);
        return Files.write(file, b.array());
    }

    private static void tag(ByteBuffer b, int tag, int type, int count, int value) {
        b.putShort((short) tag).putShort((short) type).putInt(count);
        if (type == 3 && count == 1) {
            b.putShort((short) value).putShort((short) 0);
        } else {
            b.putInt(value);
        }
    }

    /** A GIF of one colour (palette entry 0 of a four-colour palette), LZW-compressed as GIF encoders do. */
    public static Path gif(Path file, int width, int height, int rgb) throws IOException {
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            ByteBuffer h = ByteBuffer.allocate(13 + 12 + 10).order(ByteOrder.LITTLE_ENDIAN);
            h.put("GIF89a".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            h.putShort((short) width).putShort((short) height).put((byte) 0x81).put((byte) 0).put((byte) 0);
            int[] palette = {rgb, 0xffffff, 0x808080, 0x000000};
            for (int c : palette) {
                h.put((byte) (c >> 16)).put((byte) (c >> 8)).put((byte) c);
            }
            h.put((byte) 0x2c).putShort((short) 0).putShort((short) 0).putShort((short) width).putShort((short) height)
                    .put((byte) 0);
            out.write(h.array());
            out.write(2); // LZW minimum code size
            new Lzw(out, 2).encodeUniform((long) width * height);
            out.write(0); // block terminator
            out.write(0x3b);
        }
        return file;
    }

    /** GIF's variable-width LZW (as in the compress(1)-derived encoders), over a run of pixel 0. */
    private static final class Lzw {
        private static final int MAX_CODES = 4096;
        private final OutputStream out;
        private final int initBits;
        private final int clear;
        private final int[] child;
        private int bits;
        private int maxCode;
        private int free;
        private boolean clearFlag;
        private long acc;
        private int accBits;
        private final byte[] block = new byte[255];
        private int blockLen;

        Lzw(OutputStream out, int minCodeSize) {
            this.out = out;
            this.initBits = minCodeSize + 1;
            this.clear = 1 << minCodeSize;
            this.child = new int[MAX_CODES * (1 << minCodeSize)];
            bits = initBits;
            maxCode = (1 << bits) - 1;
            free = clear + 2;
        }

        void encodeUniform(long pixels) throws IOException {
            int alphabet = clear;
            output(clear);
            int ent = 0;
            for (long i = 1; i < pixels; i++) {
                int c = 0;
                int next = child[ent * alphabet + c];
                if (next != 0) {
                    ent = next;
                    continue;
                }
                output(ent);
                if (free < MAX_CODES) {
                    child[ent * alphabet + c] = free++;
                } else {
                    Arrays.fill(child, 0);
                    free = clear + 2;
                    clearFlag = true;
                    output(clear);
                }
                ent = c;
            }
            output(ent);
            output(clear + 1);
            while (accBits > 0) {
                byteOut((int) (acc & 0xff));
                acc >>>= 8;
                accBits = Math.max(0, accBits - 8);
            }
            if (blockLen > 0) {
                out.write(blockLen);
                out.write(block, 0, blockLen);
                blockLen = 0;
            }
        }

        private void output(int code) throws IOException {
            acc |= ((long) code) << accBits;
            accBits += bits;
            while (accBits >= 8) {
                byteOut((int) (acc & 0xff));
                acc >>>= 8;
                accBits -= 8;
            }
            if (free > maxCode || clearFlag) {
                if (clearFlag) {
                    bits = initBits;
                    maxCode = (1 << bits) - 1;
                    clearFlag = false;
                } else {
                    bits++;
                    maxCode = bits == 12 ? MAX_CODES : (1 << bits) - 1;
                }
            }
        }

        private void byteOut(int b) throws IOException {
            block[blockLen++] = (byte) b;
            if (blockLen == 255) {
                out.write(255);
                out.write(block, 0, 255);
                blockLen = 0;
            }
        }
    }
}
