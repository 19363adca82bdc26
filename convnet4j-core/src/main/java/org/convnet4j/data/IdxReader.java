package org.convnet4j.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.convnet4j.util.MemoryBudget;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST: bytes 00 00, an element type, a dimension count,
 * then each dimension as a big-endian 32-bit integer, then the elements. Files may be gzip-compressed
 * (recognised by the gzip magic 1f 8b, not by name). Only unsigned bytes (type 0x08) are supported.
 *
 * <p>The file is untrusted: the header is checked completely, the declared size must match the content
 * exactly, and memory is only allocated for data that is actually there.
 */
public final class IdxReader {
    /** The largest element count we accept (one Java array). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    static final int MAX_DIMS = 8;

    private IdxReader() {
    }

    /** The decoded content: dimensions outermost first and the elements in row-major order. */
    public record IdxData(int[] dims, byte[] data) {
        /** The first dimension: number of items (images, labels). */
        public int count() {
            return dims[0];
        }

        public int rank() {
            return dims.length;
        }

        @Override
        public String toString() {
            return "IdxData" + Arrays.toString(dims);
        }
    }

    public static IdxData read(Path file) throws IOException {
        return read(file, "data");
    }

    /**
     * Reads an IDX file of unsigned bytes. {@code what} names the content in messages ("image data", "label data").
     *
     * @throws DatasetFormatException naming the file and the problem for anything that is not a complete, valid IDX file
     */
    public static IdxData read(Path file, String what) throws IOException {
        return read(file, what, 0);
    }

    /**
     * As {@link #read(Path, String)}, refusing a rank other than {@code expectedRank} (0: any) from the header, and
     * and a size beyond {@link MemoryBudget}, from the header, before the content is inflated: a gzip stream may
     * declare no more than the per-file cap ({@link MemoryBudget#fileCapBytes}: 16 times the compressed file + 64 MB),
     * so a 1.5 MB gzip bomb declaring 1.6 GB is refused in milliseconds whatever the heap.
     */
    public static IdxData read(Path file, String what, int expectedRank) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetFormatException(file + ": " + (Files.exists(file) ? "not a regular file" : "file not found"));
        }
        long fileSize = Files.size(file);
        boolean gzip = isGzip(file);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
            byte[] magic = readHeaderBytes(file, in, 4, 0);
            if (magic[0] != 0 || magic[1] != 0) {
                throw new DatasetFormatException(String.format("%s: not an IDX file (starts with %02x %02x %02x %02x, expected 00 00 08 0n)",
                        file, magic[0], magic[1], magic[2], magic[3]));
            }
            int type = magic[2] & 0xff;
            if (type != 0x08) {
                throw new DatasetFormatException(String.format("%s: IDX element type 0x%02x (%s) is not supported; only 0x08 (unsigned byte)",
                        file, type, typeName(type)));
            }
            int rank = magic[3] & 0xff;
            if (rank < 1 || rank > MAX_DIMS) {
                throw new DatasetFormatException(file + ": IDX header declares " + rank + " dimensions; expected 1 to " + MAX_DIMS);
            }
            byte[] dimBytes = readHeaderBytes(file, in, 4 * rank, 4);
            int[] dims = new int[rank];
            long total = 1;
            for (int i = 0; i < rank; i++) {
                int d = ((dimBytes[4 * i] & 0xff) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16)
                        | ((dimBytes[4 * i + 2] & 0xff) << 8) | (dimBytes[4 * i + 3] & 0xff);
                if (d <= 0) {
                    throw new DatasetFormatException(file + ": IDX dimension " + i + " is " + Integer.toUnsignedString(d)
                            + "; expected 1 to " + Integer.MAX_VALUE);
                }
                dims[i] = d;
                total *= d;
                if (total > MAX_ELEMENTS) {
                    throw new DatasetFormatException(file + ": IDX header declares " + dimsText(dims, i + 1)
                            + (i + 1 < rank ? "x..." : "") + " elements, more than " + MAX_ELEMENTS + " (corrupt header?)");
                }
            }
            if (expectedRank > 0 && rank != expectedRank) {
                throw new DatasetFormatException(file + ": expected " + what + " with " + expectedRank + " dimension"
                        + (expectedRank == 1 ? "" : "s") + ", the header declares " + rank + " " + Arrays.toString(dims));
            }
            long headerSize = 4L + 4L * rank;
            if (!gzip && fileSize - headerSize != total) {
                throw sizeMismatch(file, what, total, fileSize - headerSize);
            }
            // the reading buffer doubles as it grows, so up to twice the content is held at once
            if (gzip) {
                // a compressed stream may not declare more than the per-file cap: a 1.5 MB gzip bomb declaring 1.6 GB is
                // refused from its header whatever the heap
                MemoryBudget.requireStored(file + ": " + what + " " + dimsText(dims, rank) + " (gzip)",
                        MemoryBudget.bytesOf(2, total), fileSize);
            } else {
                MemoryBudget.require(file + ": " + what + " " + dimsText(dims, rank), MemoryBudget.bytesOf(2, total));
            }
            byte[] data = readContent(file, in, (int) total, what);
            return new IdxData(dims, data);
        } catch (EOFException e) {
            // GZIPInputStream reports a stream cut short (also inside the header or trailer) this way.
            throw new DatasetFormatException(file + ": truncated gzip stream", e);
        } catch (ZipException e) {
            throw new DatasetFormatException(file + ": corrupt gzip data: " + e.getMessage(), e);
        }
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static byte[] readHeaderBytes(Path file, InputStream in, int n, int offset) throws IOException {
        byte[] b = new byte[n];
        int got = in.readNBytes(b, 0, n);
        if (got < n) {
            throw new DatasetFormatException(file + ": too short for an IDX header (ends after " + (offset + got) + " bytes)");
        }
        return b;
    }

    /**
     * Reads exactly {@code expected} bytes and checks that nothing follows. The buffer grows with the data that
     * actually arrives, so a lying header cannot make us allocate more than about twice the real content.
     */
    private static byte[] readContent(Path file, InputStream in, int expected, String what) throws IOException {
        byte[] buf = new byte[Math.min(expected, 1 << 20)];
        int n = 0;
        while (n < expected) {
            if (n == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(expected, 2L * buf.length));
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                throw sizeMismatch(file, what, expected, n);
            }
            n += r;
        }
        long extra = 0;
        byte[] skip = new byte[8192];
        int r;
        while ((r = in.read(skip)) >= 0) {
            extra += r;
        }
        if (extra > 0) {
            throw sizeMismatch(file, what, expected, expected + extra);
        }
        return buf;
    }

    private static DatasetFormatException sizeMismatch(Path file, String what, long expected, long found) {
        return new DatasetFormatException(file + ": expected " + expected + " bytes of " + what + ", found " + found);
    }

    private static String dimsText(int[] dims, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                b.append('x');
            }
            b.append(dims[i]);
        }
        return b.toString();
    }

    private static String typeName(int type) {
        switch (type) {
            case 0x09:
                return "signed byte";
            case 0x0B:
                return "16-bit integer";
            case 0x0C:
                return "32-bit integer";
            case 0x0D:
                return "32-bit float";
            case 0x0E:
                return "64-bit float";
            default:
                return "unknown type";
        }
    }
}
