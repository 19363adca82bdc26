package org.convnet4j.cli;

import java.util.List;
import java.util.stream.Stream;
import org.convnet4j.io.weights.TransferBase;
import org.convnet4j.transfer.AutoTransfer;
import org.convnet4j.transfer.TransferAdvisor;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How the advisor decides, as {@code advise} and {@code transfer --case auto} take it (a picocli mixin; each command
 * words the options in its help bundle, keys {@code size}, {@code similarity}, {@code probe-samples}, {@code try},
 * {@code budget}): one declaration, one parse into {@link AutoTransfer.Advice}.
 */
final class AdviceOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--size", paramLabel = "small|medium|large")
    String sizeText;

    @Option(names = "--similarity", paramLabel = "similar|dissimilar")
    String similarityText;

    @Option(names = "--probe-samples", paramLabel = "N")
    int probeSamples;

    @Option(names = "--try")
    boolean tryThem;

    @Option(names = "--budget", paramLabel = "SECONDS")
    double budget = AutoTransfer.DEFAULT_BUDGET_SECONDS;

    /** The given size, or null (measured). */
    TransferAdvisor.Size size() {
        return sizeText == null ? null
                : BadInputException.prefixed("--size ", () -> TransferAdvisor.Size.parse(sizeText));
    }

    /** The given similarity, or null (measured). */
    TransferAdvisor.Similarity similarity() {
        return similarityText == null ? null
                : BadInputException.prefixed("--similarity ", () -> TransferAdvisor.Similarity.parse(similarityText));
    }

    /** The advice these options ask for (bad values: one line naming the option, exit 2). */
    AutoTransfer.Advice advice() {
        if (probeSamples < 0) {
            throw new BadInputException("--probe-samples must be 0 or more, got " + probeSamples);
        }
        if (!(budget >= 0) || Double.isInfinite(budget)) {
            throw new BadInputException("--budget must be 0 or more seconds, got " + budget);
        }
        return new AutoTransfer.Advice(size(), similarity(), probeSamples, tryThem, budget);
    }

    /** The options of this mixin given on the command line, e.g. ["--try", "--budget"]. */
    List<String> given() {
        return Stream.of("--size", "--similarity", "--probe-samples", "--try", "--budget")
                .filter(o -> mixee.commandLine().getParseResult().hasMatchedOption(o)).toList();
    }

    /**
     * {@code advise}'s and {@code transfer}'s check: {@code --budget} only with {@code --try} (without it nothing is
     * timed, and an option that does nothing is refused, as Keras Tuner and Optuna refuse unknown arguments).
     */
    void requireBudgetWithTry() {
        if (!tryThem && given().contains("--budget")) {
            throw new BadInputException("--budget is the time budget of --try's cases: give --try too, or leave"
                    + " --budget out");
        }
    }

    /**
     * {@code transfer}'s checks: these options only with {@code --case auto} ({@code auto}), {@code --budget} only
     * with {@code --try}, and no {@code --cut} with {@code auto} (the advisor chooses it).
     */
    void requireForTransfer(boolean auto, String cut) {
        if (!auto && !given().isEmpty()) {
            throw new BadInputException(String.join(", ", given()) + ": only with --case auto (the advisor's"
                    + " options, as for advise)");
        }
        requireBudgetWithTry();
        if (auto && cut != null) {
            throw new BadInputException("--cut " + cut + ": with --case auto the advisor chooses the cut; give --case 1"
                    + " --cut " + cut + " to choose it yourself");
        }
    }

    /** Refused when nothing would measure or give the similarity: no saved statistics, no probe, none given. */
    static void requireSimilarityMeasure(TransferBase b, AutoTransfer.Advice asked, String prefix) {
        if (b.featureStatistics() == null && asked.probeSamples() == 0 && asked.similarity() == null) {
            throw new BadInputException(prefix + "--base " + b.reference() + " has no feature statistics (saved by 'train'"
                    + " and 'experiment transfer'): nothing measures the similarity; give --similarity or"
                    + " --probe-samples N");
        }
    }
}
