package org.convnet4j.nn.layers;

/**
 * Core's {@link DoublePrecisionGradientTest} with convnet4j-io on the class path: io's layer types (the
 * {@code OnnxProgram} type) need a case (their examples' double forward), checked as every other type's is.
 */
class DoublePrecisionGradientWithIoTest extends DoublePrecisionGradientTest {
}
