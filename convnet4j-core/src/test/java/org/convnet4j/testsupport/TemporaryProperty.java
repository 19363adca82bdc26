package org.convnet4j.testsupport;

/** Sets a system property for the length of a try-with-resources block, then restores the previous value. */
public final class TemporaryProperty implements AutoCloseable {
    private final String key;
    private final String previous;

    private TemporaryProperty(String key, String value) {
        this.key = key;
        this.previous = System.getProperty(key);
        System.setProperty(key, value);
    }

    public static TemporaryProperty set(String key, String value) {
        return new TemporaryProperty(key, value);
    }

    /** Changes the value again inside the block; close still restores the value from before the block. */
    public void change(String value) {
        System.setProperty(key, value);
    }

    @Override
    public void close() {
        if (previous == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, previous);
        }
    }
}
