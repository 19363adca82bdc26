package org.convnet4j.spark;

import java.io.IOException;
import java.util.List;

/** Accepts every connection on 127.0.0.1 and never writes a byte; closes them all at the end. */
public final class SilentNameNode implements AutoCloseable {
    private final java.net.ServerSocket socket = new java.net.ServerSocket(0, 50,
            java.net.InetAddress.getLoopbackAddress());
    private final List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread acceptor = new Thread(() -> {
        try {
            while (true) {
                held.add(socket.accept());
            }
        } catch (IOException closed) {
            // close() ends it
        }
    }, "silent-namenode");

    public SilentNameNode() throws IOException {
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    public int accepted() {
        return held.size();
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (java.net.Socket s : held) {
            s.close();
        }
    }
}
