package org.convnet4j.nn.layers;

/**
 * How a pooling's output size is rounded when the windows do not tile the padded input exactly: {@code FLOOR}
 * drops the last partial window, {@code CEIL} keeps it (ONNX and PyTorch {@code ceil_mode}).
 */
public enum PoolRounding {
    FLOOR, CEIL;

    /** {@code CEIL} for {@code ceilMode} true (as read from a file's flag). */
    public static PoolRounding ceilMode(boolean ceilMode) {
        return ceilMode ? CEIL : FLOOR;
    }
}
