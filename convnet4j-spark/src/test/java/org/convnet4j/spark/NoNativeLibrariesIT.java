package org.convnet4j.spark;

import org.convnet4j.testsupport.NoNativeLibrariesCheck;

/** target/convnet4j-spark.jar, the jar for spark-submit: no native library. */
class NoNativeLibrariesIT extends NoNativeLibrariesCheck {
    @Override
    protected String ownClass() {
        return "org/convnet4j/spark/cli/SparkMain.class";
    }
}
