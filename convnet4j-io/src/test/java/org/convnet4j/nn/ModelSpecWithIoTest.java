package org.convnet4j.nn;

/**
 * Core's {@link ModelSpecTest} with convnet4j-io on the class path: every example of io's layer types (the
 * {@code OnnxProgram} type) is saved to a model file's JSON and read back with the same parameters and outputs.
 */
class ModelSpecWithIoTest extends ModelSpecTest {
}
