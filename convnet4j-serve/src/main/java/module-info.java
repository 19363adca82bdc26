/**
 * The convnet4j model server (Open Inference Protocol v2, the picture endpoint, Prometheus metrics, dynamic
 * batching), the try-a-model page and the training dashboard. Its one package is API. On the class path this
 * descriptor is ignored and the jar is {@code org.convnet4j.serve} only by name.
 */
module org.convnet4j.serve {
    requires transitive org.convnet4j.core;
    requires org.convnet4j.io;
    requires com.google.gson;
    requires java.management; // /metrics: the heap pools after GC (ServeMetrics)
    requires io.javalin;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.io;
    requires org.eclipse.jetty.util;

    exports org.convnet4j.serve;
}
