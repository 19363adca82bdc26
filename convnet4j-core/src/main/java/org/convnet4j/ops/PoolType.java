package org.convnet4j.ops;

/** The aggregate a pooling window computes: maximum, mean, or Lp norm {@code (sum |x|^p)^(1/p)}. */
public enum PoolType {
    MAX, AVG, LP
}
