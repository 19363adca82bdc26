package org.convnet4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code demo} (= {@code demo train}): LeNet-5 learns Fashion-MNIST; {@code demo edges}: the image-operator tour. */
@Command(name = "demo", resourceBundle = "org.convnet4j.cli.help.demo", sortOptions = false,
        header = "The tour: LeNet-5 learns Fashion-MNIST, then shows what it learned (files in out/).",
        description = {
            "Trains LeNet-5 on Fashion-MNIST (3 epochs of the 60000 training pictures by default: a few minutes on 2 "
                + "cores), tests it on the 10000 test pictures and writes to DIR: the model file, the training "
                + "curves, the confusion matrix, the first layer's kernels and the feature maps of a test picture. "
                + "'demo edges' is the image-operator tour (Sobel edges, filters, pooling on a photo).",
            ""
        },
        subcommands = {DemoCommand.Train.class, EdgesDemoCommand.class},
        footer = {
            "",
            "Examples:",
            "  convnet4j demo",
            "  convnet4j demo --epochs 1 --limit 1000       (under a minute, about 75%%)",
            "  convnet4j demo edges"
        })
final class DemoCommand extends CliCommand {
    @Mixin
    TrainDemo demo;

    @Override
    public Integer call() throws Exception {
        return demo.run(out(), err());
    }

    /** The same tour, by its own name. */
    @Command(name = "train", resourceBundle = "org.convnet4j.cli.help.demo-train", sortOptions = false)
    static final class Train extends CliCommand {
        @Mixin
        TrainDemo demo;

        @Override
        public Integer call() throws Exception {
            return demo.run(out(), err());
        }
    }
}
