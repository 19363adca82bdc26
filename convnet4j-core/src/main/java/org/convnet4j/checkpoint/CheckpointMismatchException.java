package org.convnet4j.checkpoint;

import java.util.List;

/**
 * A checkpoint whose parameters do not fit a model. It lists every problem at once, so one attempt shows
 * all of them; the lists are available for tools that want to act on them.
 */
public class CheckpointMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> shapeMismatches;

    public CheckpointMismatchException(String message, List<String> missing, List<String> unexpected,
                                       List<String> shapeMismatches) {
        super(message);
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.shapeMismatches = List.copyOf(shapeMismatches);
    }

    /** Names the model has and the checkpoint lacks. */
    public List<String> missing() {
        return missing;
    }

    /** Names the checkpoint has and the model lacks. */
    public List<String> unexpected() {
        return unexpected;
    }

    /** Names present in both with different shapes. */
    public List<String> shapeMismatches() {
        return shapeMismatches;
    }
}
