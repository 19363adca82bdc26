/**
 * An application on the module path that uses the convnet4j library modules by their descriptors
 * (tools/module-path-smoke.sh): core, io, ml (found as a service only), charts and serve.
 */
module org.convnet4j.smoke {
    requires org.convnet4j.core;
    requires org.convnet4j.io;
    requires org.convnet4j.charts;
    requires org.convnet4j.serve;
    requires java.net.http;
    // convnet4j-ml is not required: core finds its shallow classifiers as a ShallowClassifierProvider service, so
    // the script resolves it with --add-modules, as an application that only configures it would
}
