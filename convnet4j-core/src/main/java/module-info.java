/**
 * The engine of convnet4j: tensors and compute kernels, the lecture's image operators, layers, models, training,
 * data, checkpoints, the model zoo, transfer learning and fusion.
 *
 * <p>Every package is exported except the internal ones (docs/ARCHITECTURE.md, "Exported and internal"):
 * {@code org.convnet4j.internal.json} (the one Gson configuration), {@code org.convnet4j.internal.cli} (the option
 * mixin of the two train commands) and {@code org.convnet4j.tensor.kernels.internal} (benchmark diagnostics) are
 * exported only to the project's own modules. On the class path (the usual Maven use)
 * this descriptor is ignored and the jar is the module {@code org.convnet4j.core} only by name.
 */
module org.convnet4j.core {
    requires transitive java.desktop; // BufferedImage and ImageIO in public signatures
    requires java.management;
    requires jdk.management;
    requires java.net.http;
    // the fast kernels; on the module path this also spares applications the --add-modules option
    requires jdk.incubator.vector;
    requires com.google.gson;
    // ImageIO plugins found by the service loader (CMYK/YCCK JPEG colours, WebP): required so that they are
    // resolved on the module path, though no class of ours names them
    requires com.twelvemonkeys.imageio.jpeg;
    requires com.twelvemonkeys.imageio.webp;
    // optional: only the internal mixin of the two train commands (internal.cli) carries picocli annotations
    requires static info.picocli;

    exports org.convnet4j.benchmark;
    exports org.convnet4j.checkpoint;
    exports org.convnet4j.data;
    exports org.convnet4j.dataspec;
    exports org.convnet4j.fusion;
    exports org.convnet4j.image;
    exports org.convnet4j.model;
    exports org.convnet4j.nn;
    exports org.convnet4j.nn.init;
    exports org.convnet4j.nn.layers;
    exports org.convnet4j.ops;
    exports org.convnet4j.run;
    exports org.convnet4j.tensor;
    exports org.convnet4j.tensor.kernels;
    exports org.convnet4j.train;
    exports org.convnet4j.train.loss;
    exports org.convnet4j.train.optim;
    exports org.convnet4j.transfer;
    exports org.convnet4j.util;
    exports org.convnet4j.vision;
    exports org.convnet4j.zoo;

    exports org.convnet4j.internal.json to org.convnet4j.io, org.convnet4j.serve, org.convnet4j.cli,
            org.convnet4j.spark, org.convnet4j.bench;
    exports org.convnet4j.tensor.kernels.internal to org.convnet4j.bench;
    exports org.convnet4j.internal.cli to org.convnet4j.cli, org.convnet4j.spark;

    uses org.convnet4j.nn.LayerType;
    uses org.convnet4j.nn.LayerProvider; // deprecated, still read
    uses org.convnet4j.transfer.ShallowClassifierProvider;
    provides org.convnet4j.nn.LayerType with org.convnet4j.transfer.TransferLayers;
}
