/** An application on the module path that requires only convnet4j-core (tools/module-path-smoke.sh). */
module org.convnet4j.smoke {
    requires org.convnet4j.core;
}
