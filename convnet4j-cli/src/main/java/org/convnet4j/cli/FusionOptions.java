package org.convnet4j.cli;

import org.convnet4j.fusion.Join;
import org.convnet4j.nn.layers.DecisionFusion;
import org.convnet4j.run.FusionBranches;
import org.convnet4j.run.FusionRun;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code fuse} options that become {@link FusionRun.Settings} and the branches (training). */
final class FusionOptions {
    @Option(names = "--mode", paramLabel = "early|intermediate|late")
    String mode;

    @Option(names = "--branch", paramLabel = "MODEL|NAME=MODEL,...")
    String branch;

    @Option(names = "--join-at", paramLabel = "LAYER|NAME=LAYER,...")
    String joinAt;

    @Option(names = "--join", paramLabel = "concat|sum|weighted", defaultValue = "concat")
    String join;

    @Option(names = "--freeze-branches")
    boolean freezeBranches;

    @Option(names = "--combine", paramLabel = "mean|weighted|max|product|vote|stack", defaultValue = "mean")
    String combine;

    @Option(names = "--fit-split", paramLabel = "F", defaultValue = "0.15")
    double fitSplit;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "3")
    int epochs;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "64")
    int batch;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "0.002")
    double lr;

    @Option(names = "--val-split", paramLabel = "F", defaultValue = "0.1")
    double valSplit;

    @Mixin
    SeedOption seed;

    /** The settings these options give (the library checks their ranges). */
    FusionRun.Settings settings() {
        return new FusionRun.Settings(mode, Join.parse(join), freezeBranches ? FusionRun.BranchWeights.FROZEN
                : FusionRun.BranchWeights.TRAINED, DecisionFusion.Mode.parse(combine),
                fitSplit, epochs, batch, lr, valSplit, seed.value);
    }

    /** The network of each input, from --branch and --join-at. */
    FusionBranches branches() {
        return new FusionBranches(branch, joinAt);
    }
}
