package org.convnet4j.zoo;

import java.util.ArrayList;
import java.util.List;
import org.convnet4j.nn.Layer;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Dropout;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.LRN;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;

/**
 * AlexNet (Krizhevsky, Sutskever and Hinton 2012) in two layouts.
 *
 * <pre>
 *   torchvision (default, 3x224x224)           paper (3x227x227, two GPU "groups")
 *   conv 64  11x11/4 pad 2, maxpool 3/2        conv 96  11x11/4, LRN, maxpool 3/2
 *   conv 192 5x5 pad 2,     maxpool 3/2        conv 256 5x5 pad 2 groups 2, LRN, maxpool 3/2
 *   conv 384 3x3 pad 1                         conv 384 3x3 pad 1
 *   conv 256 3x3 pad 1                         conv 384 3x3 pad 1 groups 2
 *   conv 256 3x3 pad 1,     maxpool 3/2        conv 256 3x3 pad 1 groups 2, maxpool 3/2
 *   dropout, fc 4096, dropout, fc 4096, fc 1000 (both)
 *   61,100,840 parameters                      60,965,224 parameters
 * </pre>
 *
 * Names are torchvision's: {@code features.0 ... features.12}, {@code classifier.0 ... classifier.6}, so a
 * torchvision state dict maps by name (weight -> kernel). With {@code lrn} (or the paper layout) an LRN layer
 * (n=5, alpha=1e-4, beta=0.75, k=2; alpha divided by n as in Caffe and PyTorch) follows the first two ReLUs and
 * takes its own index, shifting the later ones. torchvision's {@code AdaptiveAvgPool2d(6, 6)} is left out: at
 * 224x224 the features are already 6x6 and it is the identity; at other sizes the classifier's input follows the
 * feature map (as with Keras' {@code include_top} at a custom size).
 */
public final class AlexNet {
    private AlexNet() {
    }

    public static Sequential build(ZooOptions o) {
        boolean paper = o.layoutOr("alexnet", "torchvision", "torchvision", "paper").equals("paper");
        boolean lrn = paper || o.lrn();
        int g = paper ? 2 : 1;
        Shape in = o.inputOr(paper ? Shape.of(3, 227, 227) : Shape.of(3, 224, 224));
        List<Layer> f = new ArrayList<>();
        f.add(new Conv2d(o.ch(paper ? 96 : 64), 11).stride(4).padding(paper ? 0 : 2));
        f.add(new ReLU());
        if (lrn) {
            f.add(new LRN(5, 1e-4, 0.75, 2.0));
        }
        f.add(new MaxPool2d(3).stride(2));
        f.add(new Conv2d(o.ch(paper ? 256 : 192), 5).padding(2).groups(g));
        f.add(new ReLU());
        if (lrn) {
            f.add(new LRN(5, 1e-4, 0.75, 2.0));
        }
        f.add(new MaxPool2d(3).stride(2));
        f.add(new Conv2d(o.ch(384), 3).padding(1));
        f.add(new ReLU());
        f.add(new Conv2d(o.ch(paper ? 384 : 256), 3).padding(1).groups(g));
        f.add(new ReLU());
        f.add(new Conv2d(o.ch(256), 3).padding(1).groups(g));
        f.add(new ReLU());
        f.add(new MaxPool2d(3).stride(2));
        Sequential features = Blocks.indexed("features", in, f.toArray(new Layer[0]));

        Sequential m = new Sequential(paper ? "alexnet_paper" : "alexnet", in, features);
        if (!o.includeTop()) {
            Blocks.addFeaturePooling(m, o, "avgpool", "maxpool");
            return m;
        }
        m.add(new Flatten().named("flatten"));
        Shape flat = m.outputShape();
        double rate = o.dropoutOr(0.5);
        m.add(Blocks.indexed("classifier", flat,
                new Dropout(rate), new Dense(o.ch(4096)), new ReLU(),
                new Dropout(rate), new Dense(o.ch(4096)), new ReLU(),
                new Dense(o.classesOr(1000))));
        return m;
    }
}
