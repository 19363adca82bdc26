package org.convnet4j.train;

import java.util.List;
import java.util.Map;
import org.convnet4j.nn.Model;

/**
 * A training listener that also hears about the phases of a training done in several (transfer learning's head
 * phase on the frozen base, then fine-tuning, then their refit): which phase starts, and how far the work before its
 * first step has come (the frozen layers' outputs computed once over the training pictures, which can take longer
 * than the phase's own steps), and the result of a phase that only evaluates. A dashboard says so while it
 * happens instead of showing nothing.
 */
public interface PhaseListener extends TrainingListener {
    /** Phase {@code number} ({@code title}: what it trains, in words) starts; its training events follow. */
    void onPhaseStart(int number, String title);

    /** {@code done} of {@code total} pictures of the phase's preparation ({@code what}, in words) are done. */
    default void onPhaseProgress(String what, long done, long total) {
    }

    /**
     * A run's final model was evaluated (transfer learning: on the test set, after the last phase; Case 0, where the
     * base answers with its own classes and nothing is trained, has no other event): its confusion matrix on
     * {@code samples} pictures and, when the model answers with classes of its own, the class map ({@code classMap}:
     * every evaluated class in order to the model's class that answers for it, matched by name leniently, or to null
     * when the model does not know it; empty when the model's classes are the evaluated ones).
     */
    default void onEvaluated(ConfusionMatrix confusion, int samples, Map<String, String> classMap) {
    }

    /**
     * The phase trains only the layers of {@code whole} after its first {@code cachedLayers}, on their outputs
     * computed once before its first step, so its training events name a model that starts after them.
     * {@code whole} is the network (its later layers are the very ones being trained) and takes the pictures: a
     * dashboard can still show what the network does with one (its feature maps).
     */
    default void onCachedPrefix(Model whole, int cachedLayers) {
    }

    /** Tells the phase listeners among {@code listeners} that an evaluation without training ended. */
    static void evaluated(List<? extends TrainingListener> listeners, ConfusionMatrix confusion, int samples,
                          Map<String, String> classMap) {
        for (TrainingListener l : listeners) {
            if (l instanceof PhaseListener p) {
                p.onEvaluated(confusion, samples, classMap);
            }
        }
    }

    /** Tells the phase listeners among {@code listeners} that the phase trains after a cached prefix of {@code whole}. */
    static void cachedPrefix(List<? extends TrainingListener> listeners, Model whole,
                             int cachedLayers) {
        for (TrainingListener l : listeners) {
            if (l instanceof PhaseListener p) {
                p.onCachedPrefix(whole, cachedLayers);
            }
        }
    }

    /** Tells the phase listeners among {@code listeners} that phase {@code number} starts. */
    static void started(List<? extends TrainingListener> listeners, int number, String title) {
        for (TrainingListener l : listeners) {
            if (l instanceof PhaseListener p) {
                p.onPhaseStart(number, title);
            }
        }
    }

    /** Whether any of {@code listeners} is a phase listener. */
    static boolean any(List<? extends TrainingListener> listeners) {
        return listeners.stream().anyMatch(l -> l instanceof PhaseListener);
    }

    /** Tells the phase listeners among {@code listeners} how far the phase's preparation has come. */
    static void progress(List<? extends TrainingListener> listeners, String what, long done, long total) {
        for (TrainingListener l : listeners) {
            if (l instanceof PhaseListener p) {
                p.onPhaseProgress(what, done, total);
            }
        }
    }
}
