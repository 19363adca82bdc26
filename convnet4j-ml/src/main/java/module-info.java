/**
 * Tribuo's shallow classifiers (logistic regression, linear and RBF SVMs, k-NN, random forest) behind core's
 * {@code ShallowClassifier}, for transfer learning's case 1; core finds them as a service. Its one package is API.
 * On the class path this descriptor is ignored (the service is also listed in META-INF/services) and the jar is
 * {@code org.convnet4j.ml} only by name.
 */
module org.convnet4j.ml {
    requires transitive org.convnet4j.core;
    requires java.logging; // Tribuo's per-tree INFO lines go to java.util.logging
    requires org.tribuo.core;
    requires org.tribuo.classification.core;
    requires org.tribuo.classification.dtree;
    requires org.tribuo.classification.liblinear;
    requires org.tribuo.classification.libsvm;
    requires org.tribuo.common.libsvm;
    requires org.tribuo.common.nearest;
    requires org.tribuo.common.tree;
    requires org.tribuo.math; // k-NN's kept rows (neighbours())
    requires com.google.protobuf; // Tribuo's saved form, read for k-NN's rows

    exports org.convnet4j.ml;

    provides org.convnet4j.transfer.ShallowClassifierProvider with org.convnet4j.ml.TribuoClassifiers;
}
