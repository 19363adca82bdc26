package org.convnet4j.zoo;

import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.init.Initializer;
import org.convnet4j.nn.layers.ConnectionTableConv2d;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.RbfOutput;
import org.convnet4j.nn.layers.ScaledTanh;
import org.convnet4j.nn.layers.TrainableSubsampling;
import org.convnet4j.nn.layers.ZeroPad2d;
import org.convnet4j.tensor.Shape;

/**
 * LeNet-5 as LeCun, Bottou, Bengio and Haffner laid it out in "Gradient-based learning applied to document
 * recognition" (Proc. IEEE, 1998), section II.B, for a 32x32 input:
 *
 * <pre>
 *   layer  what                                               output     trainable parameters
 *   C1     6 convolutions 5x5                                 6x28x28    6*(25+1)            =    156
 *   S2     2x2 sums x coefficient + bias, per map             6x14x14    6*2                 =     12
 *   C3     16 convolutions 5x5 over Table I's S2 maps         16x10x10   60 connections*25+16 =  1,516
 *   S4     like S2                                            16x5x5     16*2                =     32
 *   C5     120 convolutions 5x5 over all 16 maps              120        120*(400+1)         = 48,120
 *   F6     84 units, fully connected                          84         84*(120+1)          = 10,164
 *   output 10 Euclidean RBF units over F6 (fixed +-1 codes)   10         0 (840 fixed values)
 *                                                                                  total 60,000
 * </pre>
 *
 * (The paper gives C1 156, S2 12, C3 1,516, S4 32, C5 48,120 and F6 10,164 parameters and "about 60,000" in
 * all; the sum is exactly 60,000.) Every layer up to F6 is followed by the paper's squashing function
 * {@code 1.7159 tanh(2a/3)} ({@link ScaledTanh}); in the paper S2 and S4 pass their result through it too.
 *
 * <p>Where this differs from, or fills gaps in, the paper:
 * <ul>
 *   <li>Input: inputs smaller than 32x32 are zero-padded by 2 on each side first (layer {@code pad}), which turns
 *       MNIST or Fashion-MNIST's 28x28 into the paper's 32x32 frame; the paper pads its 28x28 images the same
 *       way but normalises pixels so that the background is -0.1 and the ink 1.175; here the background is
 *       whatever the data pipeline makes it (0 after the usual [0, 1] scaling).</li>
 *   <li>Output ({@link Output#RBF}, the default): the paper's RBF units with fixed +-1 codes, which keeps the
 *       paper's parameter count; the codes are random (the paper's stylised digit bitmaps mean nothing for
 *       other classes, and it names random codes as an alternative) and the layer outputs the negated distances
 *       so they are logits for softmax cross-entropy, the paper's MAP criterion without its rubbish-class term.
 *       {@link Output#DENSE} puts a plain dense layer there instead (84*10+10 = 850 more parameters, 60,850),
 *       the usual modern replacement.</li>
 *   <li>C5: the paper calls it a convolutional layer although its 5x5 kernels cover the whole 5x5 S4 map,
 *       because a larger input would give it larger maps. For the paper's size it is built as the equivalent
 *       fully connected layer over the flattened S4 maps (same 48,120 parameters, kernel [120, 16*5*5] in the
 *       same order as a [120, 16, 5, 5] convolution kernel), which this engine computes far faster; for larger
 *       inputs it stays a convolution, followed by the flattening.</li>
 *   <li>Initialisation: the paper draws weights uniformly in +-2.4/F (F the fan-in); here lecun_uniform,
 *       +-sqrt(3/F), which keeps the pre-activations near unit variance for any fan-in and suits Adam or SGD
 *       better than the paper's second-order (diagonal Levenberg-Marquardt) training, which this engine lacks.
 *       C3's slices use the fan-in of their own output map (75, 100 or 150).</li>
 *   <li>Training: the paper's loss is eq. 9 with stochastic diagonal Levenberg-Marquardt; here any optimiser
 *       of the trainer with softmax cross-entropy on the outputs.</li>
 * </ul>
 */
public final class LeNet5LeCun1998 {
    /** The layout name in {@link ZooOptions#layout()}. */
    public static final String LAYOUT = "lecun1998";
    public static final String LAYOUT_DENSE = "lecun1998-dense";
    /** The paper's input side. */
    public static final int PAPER_SIZE = 32;
    /** Zero padding on each side for inputs smaller than the paper's: 28 + 2 * 2 = 32. */
    public static final int PAD = 2;

    /** The output layer: the paper's RBF units, or a dense layer. */
    public enum Output { RBF, DENSE }

    private LeNet5LeCun1998() {
    }

    /** For 28x28x1 input (padded to 32x32), 10 classes, RBF output. */
    public static Sequential build() {
        return build(Shape.of(1, 28, 28), 10, Output.RBF);
    }

    public static Sequential build(Shape input, int classes, Output output) {
        Initializer init = Initializer.LECUN_UNIFORM;
        Sequential m = new Sequential("lenet5", input);
        if (input.dim(1) < PAPER_SIZE || input.dim(2) < PAPER_SIZE) {
            m.add(new ZeroPad2d(PAD).named("pad"));
        }
        m.add(new Conv2d(6, 5).init(init).named("c1"));
        m.add(squash("c1_act"));
        m.add(new TrainableSubsampling(2).named("s2"));
        m.add(squash("s2_act"));
        m.add(ConnectionTableConv2d.lecun1998C3().init(init).named("c3"));
        m.add(squash("c3_act"));
        m.add(new TrainableSubsampling(2).named("s4"));
        m.add(squash("s4_act"));
        Shape s4 = m.outputShape();
        if (s4.dim(1) == 5 && s4.dim(2) == 5) {
            // a 5x5 convolution of a 5x5 map is a fully connected layer over its 400 values; computed as one,
            // it is one GEMM per batch instead of a per-sample 1x1-output convolution (~100x faster here)
            m.add(new Flatten().named("flatten"));
            m.add(new Dense(120).init(init).named("c5"));
            m.add(squash("c5_act"));
        } else {
            m.add(new Conv2d(120, 5).init(init).named("c5"));
            m.add(squash("c5_act"));
            m.add(new Flatten().named("flatten"));
        }
        m.add(new Dense(84).init(init).named("f6"));
        m.add(squash("f6_act"));
        m.add(output == Output.RBF ? new RbfOutput(classes).named("output")
                : new Dense(classes).init(Initializer.GLOROT_UNIFORM).named("output"));
        return m;
    }

    private static Layer squash(String name) {
        return new ScaledTanh().named(name);
    }
}
