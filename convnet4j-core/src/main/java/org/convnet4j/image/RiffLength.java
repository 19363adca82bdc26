package org.convnet4j.image;

/**
 * A WebP file cut short: its RIFF header ({@code RIFF}, the length of what follows, {@code WEBP}) says how long the
 * file is. The lossless (VP8L) decoder does not notice missing data and fills the rest of the picture from what it
 * has: a lossless WebP cut in half was read as a picture of the right size with half its values wrong, exit 0
 * (the JPEG and PNG decoders warn or fail, and those warnings already refuse the file). A file shorter than its
 * header says is refused before decoding; a longer one (trailing bytes) is read as before.
 */
final class RiffLength {
    private RiffLength() {
    }

    /**
     * @param head the file's first bytes (at least 12 to be checked; fewer: not a WebP file, left to the decoder)
     * @param size the file's length in bytes
     * @throws ImageFormatException naming {@code name} when the file is a WebP file shorter than its header says
     */
    static void requireWhole(byte[] head, long size, String name) throws ImageFormatException {
        if (head.length < 12 || head[0] != 'R' || head[1] != 'I' || head[2] != 'F' || head[3] != 'F'
                || head[8] != 'W' || head[9] != 'E' || head[10] != 'B' || head[11] != 'P') {
            return;
        }
        long declared = 8 + ((head[4] & 0xFFL) | (head[5] & 0xFFL) << 8 | (head[6] & 0xFFL) << 16 | (head[7] & 0xFFL) << 24);
        if (size < declared) {
            throw new ImageFormatException(name + ": truncated WebP file (its header says " + declared + " bytes, the"
                    + " file has " + size + ")");
        }
    }
}
