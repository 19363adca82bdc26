package org.convnet4j.image;

/**
 * Two facts of a JPEG's marker segments: the number of colour components in the frame header (4 means CMYK or
 * YCCK) and the EXIF orientation (how the camera was held), which no decoder applies. Reads only segment headers, bounds-checked, and gives up quietly on anything unexpected: the
 * decoder then reports the damage.
 */
record JpegHeader(int components, int orientation) {
    private static final int EXIF_ORIENTATION = 0x0112;

    /** The header of {@code b}, or null if it is not a JPEG. */
    static JpegHeader parse(byte[] b) {
        if (b.length < 4 || (b[0] & 0xff) != 0xff || (b[1] & 0xff) != 0xd8) {
            return null;
        }
        int components = 0;
        int orientation = 1;
        int pos = 2;
        while (pos + 4 <= b.length) {
            if ((b[pos] & 0xff) != 0xff) {
                break; // not at a marker: damaged; the decoder will say so
            }
            int marker = b[pos + 1] & 0xff;
            if (marker == 0xff) {
                pos++; // fill byte
                continue;
            }
            if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
                pos += 2;
                continue;
            }
            if (marker == 0xd9 || marker == 0xda) {
                break; // end of image or start of scan: the headers are behind us
            }
            int length = ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
            int seg = pos + 4;
            int end = pos + 2 + length;
            if (length < 2 || end > b.length) {
                break;
            }
            boolean sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
            if (sof && seg + 5 < end) {
                components = b[seg + 5] & 0xff;
            } else if (marker == 0xe1 && end - seg > 14 && b[seg] == 'E' && b[seg + 1] == 'x' && b[seg + 2] == 'i'
                    && b[seg + 3] == 'f' && b[seg + 4] == 0 && b[seg + 5] == 0) {
                orientation = exifOrientation(b, seg + 6, end);
            }
            pos = end;
        }
        return new JpegHeader(components, orientation);
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
