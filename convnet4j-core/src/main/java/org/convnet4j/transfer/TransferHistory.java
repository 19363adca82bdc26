package org.convnet4j.transfer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.convnet4j.train.History;
import org.convnet4j.train.KeptEpoch;

/**
 * What a gradient transfer run (Cases 2, 3 and 4) trained, phase by phase (Case 1: its classifier's fit, one phase of
 * one row, {@link TransferRun.Outcome#transferHistory}), each phase with its own epochs, as Keras'
 * {@code History} gives a fit's epochs: for every epoch the training loss and accuracy, the validation loss and
 * accuracy, the learning rate and the seconds; for every phase the epoch kept and why; for the fine-tuning phase of
 * Cases 2 and 3 whether its weights were kept over the head's and why ({@link FineTuning#keepReason}); then the refit
 * on all the training pictures. One type for every place a user looks: {@code transfer --json} ({@link TransferReport}),
 * {@code experiment transfer}'s printed details, results.json and results.md ({@link TransferExperiment.Report}).
 *
 * @param frozen the layers frozen in the plan (empty for Case 4, and for Case 3 without batch norm)
 * @param phases the phases run on the validation split, in order
 * @param refit  the phases of the refit on all the training pictures (empty without refit)
 */
public record TransferHistory(List<String> frozen, List<PhaseEpochs> phases, List<PhaseEpochs> refit) {
    public TransferHistory {
        frozen = List.copyOf(frozen);
        phases = List.copyOf(phases);
        refit = List.copyOf(refit);
    }

    /**
     * One phase and its epochs, numbered from 1 within the phase (the metrics of {@link History}: {@code epoch},
     * {@code train_loss}, {@code train_accuracy}, {@code val_loss}, {@code val_accuracy}, {@code lr}, {@code seconds},
     * {@code images_per_second}; a metric the epoch did not record is absent). A head fitted as a logistic regression
     * is one row. {@code keptBecause} says why the phase's kept epoch is that one; {@code overHead} is the decision
     * between this fine-tuning phase and the head it started from (null where there is no such comparison: the head
     * itself, Case 4, a refit).
     */
    public record PhaseEpochs(FineTuning.Phase phase, List<Map<String, Double>> epochs, String keptBecause,
                              FineTuning.KeepDecision overHead) {
        public PhaseEpochs {
            epochs = epochs.stream().map(TransferHistory::ordered).toList();
        }

        /** The epoch whose weights the phase ended with (1-based, within the phase). */
        public int keptEpoch() {
            return phase.bestEpoch();
        }

        /**
         * The epoch kept and why in {@link KeptEpoch}'s words, the vocabulary of {@code train --json} and
         * {@code fuse --json}: a validated phase's best epoch with its validation figures; a refit phase's last epoch
         * (it has no validation data).
         */
        public KeptEpoch kept() {
            return new KeptEpoch(phase.epochs(), phase.maxEpochs(), phase.bestEpoch(), keptBecause, earlyStopped(),
                    phase.bestValidationLoss(), phase.validationAccuracy());
        }

        /** True when early stopping ended the phase before its most epochs. */
        public boolean earlyStopped() {
            return !phase.convex() && !Double.isNaN(phase.bestValidationLoss()) && phase.epochs() < phase.maxEpochs();
        }

        /** One metric over the phase's epochs; NaN where an epoch did not record it. */
        public double[] series(String metric) {
            return History.series(epochs, metric);
        }
    }

    private static final List<String> ORDER = List.of(History.EPOCH, History.TRAIN_LOSS, History.TRAIN_ACCURACY,
            History.VAL_LOSS, History.VAL_ACCURACY, History.LR, History.SECONDS, History.IMAGES_PER_SECOND);

    private static Map<String, Double> ordered(Map<String, Double> e) {
        Map<String, Double> m = new LinkedHashMap<>();
        ORDER.forEach(k -> {
            if (e.containsKey(k)) {
                m.put(k, e.get(k));
            }
        });
        e.forEach(m::putIfAbsent);
        return java.util.Collections.unmodifiableMap(m);
    }

    /** No phase recorded (Case 0; Case 1 where only gradient phases are kept, as in the experiment's rows). */
    public static TransferHistory empty() {
        return new TransferHistory(List.of(), List.of(), List.of());
    }

    /**
     * True when no phase is recorded: Case 0, which trains nothing (Case 1 has one phase, its classifier's fit:
     * {@link TransferRun.Outcome#transferHistory}).
     */
    public boolean isEmpty() {
        return phases.isEmpty();
    }

    /**
     * Splits {@code history} ({@link FineTuning.Result#history}: every epoch of every phase numbered on, with the
     * {@value FineTuning#PHASE} and {@value FineTuning#REFIT} columns) into its phases. An empty history (a report
     * read back without it) gives phases without epochs.
     */
    public static TransferHistory of(List<String> frozen, List<FineTuning.Phase> phases, List<FineTuning.Phase> refit,
                                     History history) {
        FineTuning.Phase head = phases.stream().filter(p -> p.number() == 1).findFirst().orElse(null);
        List<PhaseEpochs> chosen = new ArrayList<>();
        for (FineTuning.Phase p : phases) {
            List<Map<String, Double>> rows = rows(history, p.number(), false);
            FineTuning.KeepDecision d = p.number() == 2 && head != null ? FineTuning.keepReason(head, p) : null;
            chosen.add(new PhaseEpochs(p, rows, keptBecause(p, rows), d));
        }
        List<PhaseEpochs> again = new ArrayList<>();
        for (FineTuning.Phase p : refit) {
            List<Map<String, Double>> rows = rows(history, p.number(), true);
            String why = p.convex() || p.learningRate() == 0
                    ? "the logistic regression fitted again, to convergence, on all the training pictures"
                    : "the " + p.epochs() + (p.epochs() == 1 ? " epoch" : " epochs")
                    + " phase " + p.number() + " kept on the validation split, run on all the training pictures";
            again.add(new PhaseEpochs(p, rows, why, null));
        }
        return new TransferHistory(frozen, chosen, again);
    }

    private static List<Map<String, Double>> rows(History history, int phase, boolean refit) {
        List<Map<String, Double>> out = new ArrayList<>();
        for (Map<String, Double> r : history.epochs()) {
            Double ph = r.get(FineTuning.PHASE);
            boolean isRefit = Double.valueOf(1.0).equals(r.get(FineTuning.REFIT));
            if (ph != null && ph == phase && isRefit == refit) {
                Map<String, Double> m = new LinkedHashMap<>(r);
                m.remove(FineTuning.PHASE);
                m.remove(FineTuning.REFIT);
                m.put(History.EPOCH, (double) (out.size() + 1));
                out.add(m);
            }
        }
        return out;
    }

    private static String keptBecause(FineTuning.Phase p, List<Map<String, Double>> rows) {
        if (p.convex()) {
            return "one fit to convergence (a convex objective: no epochs to choose)";
        }
        double min = Double.POSITIVE_INFINITY;
        for (Map<String, Double> r : rows) {
            Double v = r.get(History.VAL_LOSS);
            min = v == null ? min : Math.min(min, v);
        }
        String stop = p.epochs() < p.maxEpochs() ? "; early stopping ended the phase after epoch " + p.epochs()
                : "; the phase ran its most epochs";
        if (!rows.isEmpty() && p.bestValidationLoss() > min) {
            return String.format(Locale.ROOT, "lowest validation loss (%.4f) of the epochs early stopping watched"
                    + " (it starts watching later on random weights; epoch loss minimum %.4f came earlier)%s",
                    p.bestValidationLoss(), min, stop);
        }
        return String.format(Locale.ROOT, "lowest validation loss (%.4f) of the %d epochs run%s",
                p.bestValidationLoss(), p.epochs(), stop);
    }

    /**
     * The JSON-ready form of one list of phases (maps and lists; {@code withEpochs}: each phase's {@code history},
     * else only its summary, as the model file's description keeps it): {@code phase}, {@code title},
     * {@code trained}, {@code learning_rate}, then {@link KeptEpoch#tree} as {@code train --json} and
     * {@code fuse --json} give it: {@code epochs} (run), {@code max_epochs}, {@code kept_epoch},
     * {@code kept_because}, {@code early_stop}, and for validated phases {@code val_loss} and {@code val_accuracy}
     * of the kept epoch (a refit phase keeps its last epoch); for a fine-tuning phase after a head, the paired
     * comparison ({@code gained_vs_head}, {@code lost_vs_head}, {@code mcnemar_z}, {@code loss_gain_vs_head},
     * {@code loss_gain_se}), {@code tuning_kept} and {@code keep_reason}.
     */
    public static List<Object> tree(List<PhaseEpochs> phases, boolean withEpochs) {
        List<Object> out = new ArrayList<>();
        for (PhaseEpochs pe : phases) {
            FineTuning.Phase p = pe.phase();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("phase", p.number());
            m.put("title", p.title());
            m.put("trained", p.trainedLayers());
            m.put("learning_rate", p.learningRate());
            m.putAll(pe.kept().tree());
            if (pe.overHead() != null) {
                if (p.gained() >= 0) {
                    m.put("gained_vs_head", p.gained());
                    m.put("lost_vs_head", p.lost());
                    m.put("mcnemar_z", p.mcNemarZ());
                }
                putNumber(m, "loss_gain_vs_head", p.lossGain());
                putNumber(m, "loss_gain_se", p.lossGainSe());
                m.put("tuning_kept", pe.overHead().kept());
                m.put("keep_reason", pe.overHead().reason());
            }
            if (withEpochs) {
                List<Object> rows = new ArrayList<>();
                for (Map<String, Double> r : pe.epochs()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    r.forEach((k, v) -> {
                        if (Double.isFinite(v)) { // JSON has no NaN: a missing key stands for it
                            row.put(k, k.equals(History.EPOCH) ? (Object) (int) Math.round(v) : (Object) v);
                        }
                    });
                    rows.add(row);
                }
                m.put(KeptEpoch.HISTORY, rows);
            }
            out.add(m);
        }
        return out;
    }

    private static void putNumber(Map<String, Object> m, String key, double v) {
        if (Double.isFinite(v)) {
            m.put(key, v);
        }
    }

    /**
     * What the case's training did, one line per phase: what was frozen and trained, the rate, the epochs run of
     * the most allowed and whether early stopping ended it, the epoch kept; for Cases 2 and 3 whether the tuned
     * weights were kept over the head and why; then the refit. Empty for Cases 0 and 1.
     */
    public List<String> summaryLines() {
        List<String> out = new ArrayList<>();
        if (phases.isEmpty()) {
            return out;
        }
        out.add("frozen: " + (frozen.isEmpty() ? "nothing" : String.join(", ", frozen)));
        for (PhaseEpochs pe : phases) {
            FineTuning.Phase p = pe.phase();
            if (p.convex()) {
                out.add(String.format(Locale.ROOT, "phase 1: %s trained as a logistic regression on the frozen"
                                + " features (no rate, no epochs); validation loss %.4f, accuracy %.4f",
                        String.join(", ", p.trainedLayers()), p.bestValidationLoss(), p.validationAccuracy()));
                continue;
            }
            out.add(String.format(Locale.ROOT, "phase %d: %s at %s; %d of at most %d epochs run (%s), epoch %d"
                            + " kept: validation loss %.4f, accuracy %.4f", p.number(), String.join(", ", p.trainedLayers()),
                    Transfer.number(p.learningRate()), p.epochs(), p.maxEpochs(),
                    p.epochs() < p.maxEpochs() ? "early stop at epoch " + p.epochs() : "no early stop",
                    p.bestEpoch(), p.bestValidationLoss(), p.validationAccuracy()));
            if (pe.overHead() != null) {
                out.add("tuned weights " + (pe.overHead().kept() ? "kept" : "not kept") + ": " + pe.overHead().reason());
            }
        }
        if (!refit.isEmpty()) {
            out.add("refit on all the training pictures: " + refit.stream().map(pe -> pe.phase().convex()
                    || pe.phase().number() == 1 && pe.phase().learningRate() == 0 ? "phase 1 (logistic regression)"
                    : "phase " + pe.phase().number() + " for " + pe.phase().epochs() + " epochs at "
                    + Transfer.number(pe.phase().learningRate())).collect(Collectors.joining(", ")));
        }
        return out;
    }

    /**
     * Every phase's epochs in a few lines each, for a report that cannot hold a table per run (results.md): per phase
     * "phase 2 (conv2, predictions at 0.001), epoch 4 of 14 kept: ..." and one line per metric with its values
     * epoch by epoch, the kept epoch's value in brackets. Empty without epochs.
     */
    public List<String> epochLines() {
        List<String> out = new ArrayList<>();
        List<PhaseEpochs> all = new ArrayList<>(phases);
        all.addAll(refit);
        for (PhaseEpochs pe : all) {
            if (pe.epochs().isEmpty()) {
                continue;
            }
            FineTuning.Phase p = pe.phase();
            boolean isRefit = refit.contains(pe);
            out.add(String.format(Locale.ROOT, "%sphase %d (%s%s), %d %s%s: %s", isRefit ? "refit " : "", p.number(),
                    String.join(", ", p.trainedLayers()), p.learningRate() > 0 ? " at " + Transfer.number(p.learningRate())
                            : "", pe.epochs().size(), pe.epochs().size() == 1 ? "epoch" : "epochs",
                    isRefit ? "" : ", epoch " + p.bestEpoch() + " kept", pe.keptBecause()));
            for (String metric : List.of(History.TRAIN_LOSS, History.TRAIN_ACCURACY, History.VAL_LOSS,
                    History.VAL_ACCURACY, History.LR)) {
                double[] s = pe.series(metric);
                if (java.util.Arrays.stream(s).allMatch(Double::isNaN)) {
                    continue;
                }
                StringBuilder b = new StringBuilder("  ").append(metric).append(':');
                for (int i = 0; i < s.length; i++) {
                    String v = Double.isNaN(s[i]) ? "-" : metric.equals(History.LR) ? Transfer.number(s[i])
                            : String.format(Locale.ROOT, "%.4f", s[i]);
                    b.append(' ').append(!isRefit && i + 1 == p.bestEpoch() ? "[" + v + "]" : v);
                }
                out.add(b.toString());
            }
        }
        return out;
    }
}
