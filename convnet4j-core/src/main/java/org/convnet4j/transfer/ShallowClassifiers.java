package org.convnet4j.transfer;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Finds {@link ShallowClassifierProvider}s on the class path (or registered by hand, in tests). */
public final class ShallowClassifiers {
    private static final List<ShallowClassifierProvider> EXTRA = new ArrayList<>();

    private ShallowClassifiers() {
    }

    /** Adds a provider that is not registered as a service. */
    public static synchronized void register(ShallowClassifierProvider provider) {
        EXTRA.add(0, provider);
    }

    /** Every algorithm name known on the class path. */
    public static synchronized List<String> algorithms() {
        TreeSet<String> names = new TreeSet<>();
        providers().forEach(p -> names.addAll(p.algorithms()));
        return List.copyOf(names);
    }

    /**
     * {@code algorithm} when a provider on the class path knows it, checked before any work (the features of a
     * large training set take minutes; an unknown name would fail only after them).
     *
     * @throws IllegalArgumentException "{@code algorithm}: not known; known: logreg, svm, ..." (or that no provider is
     *                                  on the class path)
     */
    public static String requireKnown(String algorithm) {
        List<String> known = algorithms();
        if (!known.contains(algorithm)) {
            throw new IllegalArgumentException(algorithm + ": not known; " + (known.isEmpty()
                    ? "no shallow classifier on the class path (add the convnet4j-ml module)"
                    : "known: " + String.join(", ", known)));
        }
        return algorithm;
    }

    public static ShallowClassifier create(String algorithm, long seed) {
        return provider(algorithm).create(algorithm, seed);
    }

    public static ShallowClassifier load(String algorithm, byte[] bytes) {
        return provider(algorithm).load(algorithm, bytes);
    }

    private static synchronized ShallowClassifierProvider provider(String algorithm) {
        for (ShallowClassifierProvider p : providers()) {
            if (p.algorithms().contains(algorithm)) {
                return p;
            }
        }
        List<String> known = algorithms();
        throw new IllegalArgumentException("shallow classifier '" + algorithm + "' is not available"
                + (known.isEmpty() ? " (no provider on the class path: add the convnet4j-ml module)"
                : "; known: " + String.join(", ", known)));
    }

    private static List<ShallowClassifierProvider> providers() {
        List<ShallowClassifierProvider> all = new ArrayList<>(EXTRA);
        ServiceLoader.load(ShallowClassifierProvider.class, ShallowClassifiers.class.getClassLoader()).forEach(all::add);
        return all;
    }
}
