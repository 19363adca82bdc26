package org.convnet4j.nn;

/**
 * Core's {@link LayerTypesTest} with convnet4j-io on the class path: io's layer types (the {@code OnnxProgram} type,
 * a LayerType service) are held to the same rules as the library's own (an ONNX form unless listed, one registry).
 */
class LayerTypesWithIoTest extends LayerTypesTest {
}
