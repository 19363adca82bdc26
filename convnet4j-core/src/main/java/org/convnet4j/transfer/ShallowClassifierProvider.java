package org.convnet4j.transfer;

import java.util.Set;

/**
 * A source of {@link ShallowClassifier}s, registered with Java's {@link java.util.ServiceLoader} (a file
 * {@code META-INF/services/org.convnet4j.transfer.ShallowClassifierProvider} naming the class), so the core can
 * load a saved Case 1 model without depending on the library that trained it.
 */
public interface ShallowClassifierProvider {
    /** The algorithm names this provider knows. */
    Set<String> algorithms();

    /** A new, untrained classifier; {@code seed} makes randomised algorithms repeatable. */
    ShallowClassifier create(String algorithm, long seed);

    /** A trained classifier from {@link ShallowClassifier#toBytes()}; fails with a clear message on bad bytes. */
    ShallowClassifier load(String algorithm, byte[] bytes);
}
