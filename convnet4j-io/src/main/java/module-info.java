/**
 * Other frameworks' files for convnet4j: ONNX import and export, Keras {@code .h5}, PyTorch {@code .pth} and
 * safetensors weights, NumPy {@code .npy}, the pretrained-weights catalogue and its downloads, the ImageNet class
 * names; {@code ModelLoader} reads any of them.
 *
 * <p>Every package is API (docs/ARCHITECTURE.md, "Exported and internal"). On the class path (the usual Maven use)
 * this descriptor is ignored and the jar is the module {@code org.convnet4j.io} only by name.
 */
module org.convnet4j.io {
    requires transitive org.convnet4j.core; // Model, Tensor, Preprocessing... in public signatures
    requires com.google.gson;
    requires com.google.protobuf;
    requires io.jhdf;
    // jHDF has no descriptor (an automatic module requires nothing): the named modules it needs at run time are
    // required here so that the module path resolves them (SLF4J API, commons-lang3, LZF; lz4-java is automatic too)
    requires org.slf4j;
    requires org.apache.commons.lang3;
    requires com.ning.compress.lzf;

    exports org.convnet4j.imagenet;
    exports org.convnet4j.io;
    exports org.convnet4j.io.keras;
    exports org.convnet4j.io.onnx;
    exports org.convnet4j.io.torch;
    exports org.convnet4j.io.weights;

    // model files that hold an imported ONNX program (OnnxProgramLayer) are read back through LayerFactory
    provides org.convnet4j.nn.LayerType with org.convnet4j.io.onnx.OnnxLayers;
}
