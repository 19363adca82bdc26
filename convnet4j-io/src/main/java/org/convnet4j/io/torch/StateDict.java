package org.convnet4j.io.torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.convnet4j.checkpoint.SafeTensors;
import org.convnet4j.tensor.Tensor;

/**
 * A PyTorch state dict as names and shapes, with the values read on demand: from safetensors or from a
 * {@code .pth}/{@code .pt} pickle ({@link PthFile}). Loading into a model checks every name and shape first and
 * reads values only then, so a file that does not fit costs no more than its header.
 */
public interface StateDict {
    /** The file, for messages. */
    String source();

    /** Tensor names and shapes in file order (entries that are not tensors are left out). */
    Map<String, long[]> shapes();

    /** The values of one tensor as float32, row-major. */
    float[] values(String name) throws IOException;

    /** Opens a safetensors file or a PyTorch pickle, told apart by their first bytes. */
    static StateDict open(Path file) throws IOException {
        if (PthFile.isPickle(file)) {
            return PthFile.open(file);
        }
        return safetensors(file);
    }

    /** A safetensors state dict; the tensors are read together on first use. */
    static StateDict safetensors(Path file) throws IOException {
        SafeTensors.Header header = SafeTensors.readHeader(file);
        // declared shapes against the stored data and the memory budget before anything is built from them
        SafeTensors.requireLoadable(file, header);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (SafeTensors.Entry e : header.entries().values()) {
            shapes.put(e.name(), e.shape());
        }
        return new StateDict() {
            private Map<String, Tensor> tensors;

            @Override
            public String source() {
                return file.toString();
            }

            @Override
            public Map<String, long[]> shapes() {
                return shapes;
            }

            @Override
            public float[] values(String name) throws IOException {
                if (tensors == null) {
                    tensors = SafeTensors.read(file).tensors();
                }
                return tensors.get(name).data();
            }
        };
    }
}
