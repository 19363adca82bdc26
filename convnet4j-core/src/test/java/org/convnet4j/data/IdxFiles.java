package org.convnet4j.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builds synthetic IDX files for tests, written independently of the reader from the published format. */
final class IdxFiles {
    private IdxFiles() {
    }

    static byte[] idx(int type, int[] dims, byte[] data) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(b);
            out.write(new byte[] {0, 0, (byte) type, (byte) dims.length});
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] content) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
                gz.write(content);
            }
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        return file;
    }

    /** Images N x h x w where pixel value = (n * 7 + i) mod 256, so each image is recognisable. */
    static byte[] imagePixels(int n, int h, int w) {
        byte[] d = new byte[n * h * w];
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < h * w; i++) {
                d[k * h * w + i] = (byte) ((k * 7 + i) % 256);
            }
        }
        return d;
    }
}
