package org.convnet4j.io.torch;

import java.util.Map;

/** A state dict that has names and shapes but no values: enough for architecture detection, which never reads them. */
record ShapesOnly(String source, Map<String, long[]> shapes) implements StateDict {
    @Override
    public float[] values(String name) {
        throw new UnsupportedOperationException("shapes only: " + source + " has no values for " + name);
    }
}
