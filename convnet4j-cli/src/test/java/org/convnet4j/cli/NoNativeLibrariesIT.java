package org.convnet4j.cli;

import org.convnet4j.testsupport.NoNativeLibrariesCheck;

/** target/convnet4j.jar, the jar ./convnet4j runs: no native library (README, "what the jars contain"). */
class NoNativeLibrariesIT extends NoNativeLibrariesCheck {
    @Override
    protected String ownClass() {
        return "org/convnet4j/cli/Main.class";
    }
}
