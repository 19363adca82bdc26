package org.convnet4j.image;

/**
 * Two facts of a JPEG's marker segments: the number of colour components in the frame header (4 means CMYK or
 * YCCK) and the EXIF orientation (how the camera was held), which no decoder applies. Reads only segment headers,
 * bounds-checked, and gives up quietly on anything unexpected: the
 * decoder then reports the damage.
 */
record JpegHeader(int components, int orientation) {
    private static final int EXIF_ORIENTATION = 0x0112;
    /**
     * Segments read before giving up (a real file has a few dozen before its picture data; a hostile one of tiny
     * segments is not walked for ever): beyond it the orientation found so far (or 1) is used.
     */
    static final int MAX_SEGMENTS = 1 << 16;

    /** The header of {@code b}, or null if it is not a JPEG. */
    static JpegHeader parse(byte[] b) {
        try {
            return read(new java.io.ByteArrayInputStream(b));
        } catch (java.io.IOException e) {
            return null; // not thrown by a byte array
        }
    }

    /**
     * The header of the JPEG {@code in} starts with, or null if it is not one; reads the stream up to the start of the
     * picture data (SOS), skipping every segment's body except the frame header's first bytes and an APP1 EXIF segment
     * (at most 64 KB), so memory stays bounded however far into the file the EXIF segment lies. Does not close
     * {@code in}.
     */
    static JpegHeader read(java.io.InputStream in) throws java.io.IOException {
        if (in.read() != 0xff || in.read() != 0xd8) {
            return null;
        }
        int components = 0;
        int orientation = 1;
        for (int segments = 0; segments < MAX_SEGMENTS; segments++) {
            if (in.read() != 0xff) {
                break; // not at a marker (or the end): damaged; the decoder will say so
            }
            int marker = in.read();
            while (marker == 0xff) {
                marker = in.read(); // fill bytes
            }
            if (marker < 0 || marker == 0xd9 || marker == 0xda) {
                break; // end of file, end of image or start of scan: the headers are behind us
            }
            if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
                continue;
            }
            int hi = in.read();
            int lo = in.read();
            if (hi < 0 || lo < 0 || ((hi << 8) | lo) < 2) {
                break;
            }
            int body = ((hi << 8) | lo) - 2;
            boolean sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
            if (sof && body >= 6) {
                byte[] b = in.readNBytes(6);
                if (b.length < 6) {
                    break;
                }
                components = b[5] & 0xff;
                body -= 6;
            } else if (marker == 0xe1 && body > 14) {
                byte[] b = in.readNBytes(body); // at most 65,533 bytes
                if (b.length < body) {
                    break;
                }
                body = 0;
                if (b[0] == 'E' && b[1] == 'x' && b[2] == 'i' && b[3] == 'f' && b[4] == 0 && b[5] == 0) {
                    orientation = exifOrientation(b, 6, b.length);
                }
            }
            if (!skip(in, body)) {
                break;
            }
        }
        return new JpegHeader(components, orientation);
    }

    /** Skips {@code n} bytes (seeking where the stream can); false at the end of the stream. */
    private static boolean skip(java.io.InputStream in, long n) throws java.io.IOException {
        while (n > 0) {
            long k = in.skip(n);
            if (k <= 0) {
                if (in.read() < 0) {
                    return false;
                }
                k = 1;
            }
            n -= k;
        }
        return true;
    }

    /** Tag 0x0112 of IFD0 of the TIFF structure in [{@code tiff}, {@code end}); 1 (as stored) if absent or odd. */
    private static int exifOrientation(byte[] b, int tiff, int end) {
        boolean little;
        if (b[tiff] == 'I' && b[tiff + 1] == 'I') {
            little = true;
        } else if (b[tiff] == 'M' && b[tiff + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        long ifd = u32(b, tiff + 4, little);
        if (ifd < 8 || tiff + ifd + 2 > end) {
            return 1;
        }
        int at = (int) (tiff + ifd);
        int count = u16(b, at, little);
        for (int i = 0; i < count; i++) {
            int e = at + 2 + 12 * i;
            if (e + 12 > end) {
                return 1;
            }
            if (u16(b, e, little) == EXIF_ORIENTATION && u16(b, e + 2, little) == 3) {
                int v = u16(b, e + 8, little);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int at, boolean little) {
        int x = b[at] & 0xff;
        int y = b[at + 1] & 0xff;
        return little ? x | (y << 8) : (x << 8) | y;
    }

    private static long u32(byte[] b, int at, boolean little) {
        long v = 0;
        for (int i = 0; i < 4; i++) {
            int k = little ? 3 - i : i;
            v = (v << 8) | (b[at + k] & 0xff);
        }
        return v;
    }
}
