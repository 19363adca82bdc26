package org.convnet4j.io.keras;

import java.util.Collection;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keras layer names to the names of our zoo models, for loading by name.
 *
 * <p>VGG and InceptionV3 in the zoo already carry Keras' names. Our ResNet-50 carries torchvision's names (so
 * that PyTorch state dicts load directly), and Keras has used two naming styles for ResNet-50:
 * <pre>
 *   Keras 2 (keras.applications.resnet)   Keras 1 (keras-applications resnet50, 2016)   ours (torchvision)
 *   conv1_conv, conv1_bn                  conv1, bn_conv1                               conv1, bn1
 *   conv2_block1_1_conv, _1_bn            res2a_branch2a, bn2a_branch2a                 layer1.0.conv1, .bn1
 *   conv2_block1_2_conv ... _3_bn         res2a_branch2b ... bn2a_branch2c              layer1.0.conv2 ... .bn3
 *   conv2_block1_0_conv, _0_bn            res2a_branch1, bn2a_branch1                   layer1.0.downsample.0, .1
 *   conv5_block3_...                      res5c_...                                     layer4.2....
 *   predictions (tf.keras), probs         fc1000                                        fc
 * </pre>
 * Stage S (2..5) is our {@code layer(S-1)}; block B (1-based, or letter a, b, ...) is our block B-1.
 * InceptionV3 files written by TensorFlow 2's Keras number layers from 0 ({@code conv2d, conv2d_1, ...});
 * the published weights and our model count from 1 ({@code conv2d_1, ...}), so such names are shifted by one.
 */
public final class KerasNames {
    private static final Pattern KERAS2_RESNET = Pattern.compile("conv(\\d)_block(\\d+)_(\\d)_(conv|bn)");
    private static final Pattern KERAS1_RESNET = Pattern.compile("(res|bn)(\\d)([a-z])_branch(1|2a|2b|2c)");
    private static final Pattern NUMBERED = Pattern.compile("(conv2d|batch_normalization)(?:_(\\d+))?");

    private KerasNames() {
    }

    /** The map for a zoo architecture, given the file's layer names (to tell naming styles apart). */
    public static UnaryOperator<String> forArchitecture(String architecture, Collection<String> fileLayerNames) {
        if (architecture.startsWith("resnet")) {
            return KerasNames::resnet;
        }
        if (architecture.equals("inception_v3") && fileLayerNames.contains("conv2d")) {
            return KerasNames::shiftFromZeroBased;
        }
        return UnaryOperator.identity();
    }

    /** A Keras ResNet layer name (either style) to ours; other names unchanged. */
    public static String resnet(String keras) {
        switch (keras) {
            case "conv1_conv":
            case "conv1":
                return "conv1";
            case "conv1_bn":
            case "bn_conv1":
                return "bn1";
            case "predictions":
            case "probs":
            case "fc1000":
                return "fc";
            default:
                break;
        }
        Matcher m = KERAS2_RESNET.matcher(keras);
        if (m.matches()) {
            int stage = Integer.parseInt(m.group(1));
            int block = Integer.parseInt(m.group(2));
            int k = Integer.parseInt(m.group(3));
            return block(stage, block - 1, k, m.group(4).equals("conv"), keras);
        }
        m = KERAS1_RESNET.matcher(keras);
        if (m.matches()) {
            int stage = Integer.parseInt(m.group(2));
            int block = m.group(3).charAt(0) - 'a';
            String branch = m.group(4);
            int k = branch.equals("1") ? 0 : branch.charAt(1) - 'a' + 1;
            return block(stage, block, k, m.group(1).equals("res"), keras);
        }
        return keras;
    }

    private static String block(int stage, int block, int k, boolean conv, String keras) {
        if (stage < 2 || stage > 5 || k > 3) {
            return keras;
        }
        String prefix = "layer" + (stage - 1) + "." + block + ".";
        if (k == 0) {
            return prefix + "downsample." + (conv ? "0" : "1");
        }
        return prefix + (conv ? "conv" : "bn") + k;
    }

    /** {@code conv2d} to {@code conv2d_1}, {@code conv2d_5} to {@code conv2d_6} (also batch_normalization). */
    public static String shiftFromZeroBased(String keras) {
        Matcher m = NUMBERED.matcher(keras);
        if (!m.matches()) {
            return keras;
        }
        int n = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        return m.group(1) + "_" + (n + 1);
    }

    /** True if the names are Keras 1's ResNet names ({@code res2a_branch2a}). */
    public static boolean isKeras1ResNet(Collection<String> fileLayerNames) {
        return fileLayerNames.contains("bn_conv1") || fileLayerNames.contains("res2a_branch2a");
    }
}
