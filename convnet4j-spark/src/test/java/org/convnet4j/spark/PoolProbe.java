package org.convnet4j.spark;

/** For tests in other packages: the model copies of any training run pooled in this JVM. */
public final class PoolProbe {
    private PoolProbe() {
    }

    public static int pooledHere() {
        return RunPools.pooledHere();
    }
}
