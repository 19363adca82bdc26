package org.convnet4j.spark;

import org.junit.jupiter.api.extension.Extension;

/**
 * Starts making {@link SparkCds}' archive as soon as JUnit starts in a test JVM of this module (an extension JUnit
 * finds by itself: {@code junit.jupiter.extensions.autodetection.enabled}, set for surefire and failsafe in the
 * parent POM, and {@code META-INF/services} of this module's test resources), so that the tests that start no JVM
 * run while it is made. It has no callbacks: constructing it is all it does.
 */
public final class SparkCdsEarly implements Extension {
    public SparkCdsEarly() {
        SparkCds.early();
    }
}
