package org.convnet4j.spark;

import java.io.IOException;
import java.io.Serializable;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.SavedModel;

/**
 * A convnet4j model file ({@code .c4j}) held as bytes: what a Spark stage stores, broadcasts and persists. Parsing
 * goes through {@link ModelFiles#read} (checksum, architecture, weights), so the driver checks a model once before
 * any task starts and every executor rebuilds exactly the same network.
 */
public final class ModelBytes implements Serializable {
    private static final long serialVersionUID = 1L;

    private final byte[] bytes;
    private final String origin;

    private ModelBytes(byte[] bytes, String origin) {
        this.bytes = bytes;
        this.origin = origin;
    }

    /** The model file at {@code uri} (any Hadoop file system), read on the driver and checked. */
    public static ModelBytes read(String uri, org.apache.hadoop.conf.Configuration conf) throws IOException {
        ModelBytes m = new ModelBytes(HadoopFiles.readAll(uri, conf), uri);
        m.parse(); // fail here, in one line, rather than in every task
        return m;
    }

    /** Bytes of a model file already in memory; checked like {@link #read}. */
    public static ModelBytes of(byte[] bytes, String origin) {
        ModelBytes m = new ModelBytes(bytes.clone(), origin);
        try {
            m.parse();
        } catch (IOException e) {
            throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
        }
        return m;
    }

    static ModelBytes trusted(byte[] bytes, String origin) {
        return new ModelBytes(bytes, origin);
    }

    public byte[] bytes() {
        return bytes;
    }

    public String origin() {
        return origin;
    }

    /** The model rebuilt: architecture, weights, class names and preprocessing. */
    public SavedModel parse() throws IOException {
        // Read from the bytes themselves (no temporary copy a killed executor would leave behind). The reader is
        // told the origin: its messages and notes name the user's file, and a note (an older format) is logged
        // once per process, not once per parse (the driver parses a model several times).
        try {
            return ModelFiles.read(bytes, origin);
        } catch (IOException | RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            throw new IOException(m.startsWith(origin) ? m : origin + ": " + m, e);
        }
    }
}
