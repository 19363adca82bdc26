package org.convnet4j.serve;

import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.LowResourceMonitor;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * How long the server keeps connections: idle between requests for the keep-alive time (long, so that clients,
 * not the server, close idle connections: see {@link ModelServer.Options#keepAliveMillis}), stalled within a request
 * for the shorter idle timeout, and every idle one for the idle timeout once many connections are open.
 */
final class Connections {
    private Connections() {
    }

    /**
     * Within a request Jetty applies {@link HttpConfiguration#setIdleTimeout} and restores the connector's own
     * (the keep-alive) when the request completes; every answer says how long the connection may stay idle.
     */
    static void configure(Server server, HttpConfiguration http, long keepAliveMillis, long idleTimeoutMillis) {
        if (keepAliveMillis <= 0 || idleTimeoutMillis <= 0) {
            throw new IllegalArgumentException("keep-alive and idle timeout must be > 0 ms, got " + keepAliveMillis
                    + " and " + idleTimeoutMillis);
        }
        http.setIdleTimeout(idleTimeoutMillis);
        // pre-encoded once: adding it to an answer's headers is a reference, not a formatting
        PreEncodedHttpField keepAlive = new PreEncodedHttpField(HttpHeader.KEEP_ALIVE, keepAlive(keepAliveMillis));
        http.addCustomizer((request, responseHeaders) -> {
            responseHeaders.add(keepAlive);
            return request;
        });
    }

    /** The value of the {@code Keep-Alive} header every answer carries: how long a connection may stay idle. */
    static String keepAlive(long keepAliveMillis) {
        return "timeout=" + Math.max(1, keepAliveMillis / 1000);
    }

    /** The connector idles connections for the keep-alive, and for the idle timeout from {@code many} connections on. */
    static void limit(Server server, ServerConnector connector, long keepAliveMillis, long idleTimeoutMillis, int many) {
        if (many < 1) {
            throw new IllegalArgumentException("many connections must be >= 1, got " + many);
        }
        connector.setIdleTimeout(keepAliveMillis);
        LowResourceMonitor monitor = new LowResourceMonitor(server);
        monitor.setMonitoredConnectors(List.of(connector));
        monitor.setMonitorThreads(false);
        monitor.setPeriod(500);
        monitor.setLowResourcesIdleTimeout((int) Math.min(Integer.MAX_VALUE, idleTimeoutMillis));
        monitor.addLowResourceCheck(monitor.new MaxConnectionsLowResourceCheck(many));
        server.addBean(monitor);
    }
}
