package org.convnet4j.transfer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.ClassNames;
import org.convnet4j.nn.Sequential;
import org.convnet4j.tensor.RowOps;
import org.convnet4j.train.ConfusionMatrix;
import org.convnet4j.train.PhaseListener;
import org.convnet4j.train.TrainingListener;

/**
 * Case 0's evaluation: the base answers with its own classes, and an answer is right when the predicted class is the
 * true one by name, matched leniently ({@link ClassNames}). For phase listeners (a dashboard) also the progress over
 * the pictures, and at the end a confusion matrix in the target's classes (rows: the true class; columns: the target
 * class whose name the predicted class of the base has, and one more, {@link #OTHER}, for the base's classes that are
 * none of the target's) with the class map.
 */
final class ByNameEvaluation {
    /** The confusion matrix's last class when the base has classes that are none of the target's. */
    static final String OTHER = "(another class of the base)";
    static final String PROGRESS = "test pictures answered";

    private ByNameEvaluation() {
    }

    /** The accuracy; {@code log} (may be null) gets what matched only leniently or not at all. */
    static double accuracy(Sequential model, Dataset test, Consumer<String> log, List<TrainingListener> listeners) {
        List<String> own = model.classNames().isEmpty() ? ConfusionMatrix.numberedClasses(model.outputShape().dim(0))
                : model.classNames();
        List<String> targets = test.classNames();
        ClassNames.Match m = ClassNames.match(targets, own);
        if (!m.warning().isEmpty() && log != null) {
            log.accept("warning: " + m.warning());
        }
        boolean told = PhaseListener.any(listeners);
        // the target class each of the base's classes answers for (-1: none, an "other" answer)
        int[] targetOf = new int[own.size()];
        Arrays.fill(targetOf, -1);
        for (int t = 0; t < targets.size(); t++) {
            int b = m.indexOf()[t];
            if (b >= 0 && targetOf[b] < 0) {
                targetOf[b] = t;
            }
        }
        boolean others = Arrays.stream(targetOf).anyMatch(t -> t < 0);
        List<String> classes = new ArrayList<>(targets);
        if (others) {
            classes.add(OTHER);
        }
        ConfusionMatrix cm = new ConfusionMatrix(classes);
        int n = test.size();
        int[] right = {0};
        if (told) {
            PhaseListener.progress(listeners, PROGRESS, 0, n);
        }
        TransferRun.predictInBatches(model, test, (start, b, out, k) -> {
            for (int i = 0; i < b; i++) {
                int t = test.label(start + i);
                int p = RowOps.argmax(out, i * k, k);
                if (m.indexOf()[t] == p) {
                    right[0]++;
                    cm.add(t, t);
                } else {
                    cm.add(t, targetOf[p] >= 0 ? targetOf[p] : targets.size());
                }
            }
            if (told) {
                PhaseListener.progress(listeners, PROGRESS, start + b, n);
            }
        });
        if (told) {
            Map<String, String> map = new LinkedHashMap<>();
            for (int t = 0; t < targets.size(); t++) {
                map.put(targets.get(t), m.indexOf()[t] >= 0 ? own.get(m.indexOf()[t]) : null);
            }
            PhaseListener.evaluated(listeners, cm, n, Collections.unmodifiableMap(map));
        }
        return right[0] / (double) n;
    }
}
