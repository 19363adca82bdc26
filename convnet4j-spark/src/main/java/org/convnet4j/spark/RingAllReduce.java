package org.convnet4j.spark;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Ring all-reduce of one float vector over TCP among the tasks of a barrier stage (Horovod's and Baidu's scheme):
 * the vector is cut into P chunks; in P-1 reduce-scatter steps every task sends one chunk to its right neighbour and
 * adds the one from its left, in P-1 all-gather steps the finished chunks go round; every link carries 2(P-1)/P of
 * the vector whatever P is. With two tasks each chunk is a + b, so the sum is bit for bit the one of a tree reduce.
 *
 * <p>Rendezvous: the barrier stage makes Spark launch all P tasks together; they find each other through a small
 * {@link Coordinator} on the driver (each task sends its partition, host and port; the coordinator answers with
 * everybody's once all P have come). Spark's own {@code BarrierTaskContext.allGather} is not used on purpose: its
 * first call starts a JVM-wide non-daemon timer thread ("Barrier task timer for barrier() calls.") that keeps a
 * local-mode driver's JVM alive after its main method returns.
 */
final class RingAllReduce {
    private static final int TIMEOUT_MS = 600_000;
    /**
     * Waits (for the other tasks at the coordinator, for the left neighbour to connect) are cut into slices of this
     * length, and between slices a task Spark has killed gives up: when a party of the exchange dies, Spark aborts the
     * barrier stage and kills the other tasks, but a thread blocked on a socket does not see that, and would keep its
     * task slot (which the next barrier stage needs) until the timeout.
     */
    private static final int POLL_MS = 500;

    private RingAllReduce() {
    }

    /** Where the tasks of one exchange meet: the driver's coordinator and the key of this exchange. */
    record Meeting(String host, int port, String key, int parties) implements Serializable {
    }

    /**
     * Sums {@code values} of all {@code meeting.parties()} tasks in place (every task ends with the sum).
     * {@code attempt} keeps the ranks of a retried stage apart from the failed one's.
     */
    static long allReduce(float[] values, int rank, int attempt, Meeting meeting, String myHost) {
        try (Ring ring = join(meeting, rank, attempt, myHost, true)) {
            return ring.allReduce(values);
        }
    }

    /**
     * Joins the ring of one exchange: meets the other tasks at the coordinator, telling it whether this task is
     * {@code ready} (its replica holds the state of this exchange), and connects to the neighbours when every task
     * is. {@link Ring#allReady()} says whether they all were; if not, nobody connects and the exchange is called off.
     */
    static Ring join(Meeting meeting, int rank, int attempt, String myHost, boolean ready) {
        int p = meeting.parties();
        if (p == 1) {
            return new Ring(ready, rank, 1, null, null);
        }
        ServerSocket server = null;
        Socket right = null;
        try {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(myHost, 0));
            server.setSoTimeout(TIMEOUT_MS);
            Rendezvous all = rendezvous(meeting, meeting.key() + "#" + attempt, rank,
                    new InetSocketAddress(myHost, server.getLocalPort()), ready);
            if (!all.allReady()) {
                server.close();
                return new Ring(false, rank, p, null, null);
            }
            right = new Socket();
            right.connect(all.addresses()[(rank + 1) % p], TIMEOUT_MS);
            right.setTcpNoDelay(true);
            right.setSoTimeout(TIMEOUT_MS);
            Socket left = accept(server);
            left.setSoTimeout(TIMEOUT_MS);
            server.close();
            return new Ring(true, rank, p, left, right);
        } catch (IOException e) {
            closeQuietly(server);
            closeQuietly(right);
            throw new UncheckedIOException("ring all-reduce, task " + rank + " of " + p + ": " + e.getMessage(), e);
        }
    }

    /** {@code server.accept()}, giving up when the task is killed or after the timeout. */
    private static Socket accept(ServerSocket server) throws IOException {
        server.setSoTimeout(POLL_MS);
        long deadline = System.nanoTime() + TIMEOUT_MS * 1_000_000L;
        while (true) {
            try {
                return server.accept();
            } catch (java.net.SocketTimeoutException e) {
                giveUpIfKilledOr(deadline);
            }
        }
    }

    /** Throws when this task has been killed by Spark, or the deadline has passed. */
    private static void giveUpIfKilledOr(long deadline) throws IOException {
        org.apache.spark.TaskContext tc = org.apache.spark.TaskContext.get();
        if (tc != null && tc.isInterrupted()) {
            throw new IOException("the task was killed (" + tc.getKillReason().getOrElse(() -> "") + ")");
        }
        if (System.nanoTime() > deadline) {
            throw new java.net.SocketTimeoutException("no answer within " + TIMEOUT_MS / 1000 + " s");
        }
    }

    private static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // already failing
            }
        }
    }

    /** One task's place in the ring of one exchange: the connections to its neighbours. */
    static final class Ring implements Closeable {
        private final boolean allReady;
        private final int rank;
        private final int parties;
        private final Socket left;
        private final Socket right;

        private Ring(boolean allReady, int rank, int parties, Socket left, Socket right) {
            this.allReady = allReady;
            this.rank = rank;
            this.parties = parties;
            this.left = left;
            this.right = right;
        }

        /** Whether every task of the exchange was ready; if not, {@link #allReduce} must not be called. */
        boolean allReady() {
            return allReady;
        }

        /** Sums {@code values} over the tasks in place; returns the payload bytes sent to the right neighbour. */
        long allReduce(float[] values) {
            if (!allReady) {
                throw new IllegalStateException("ring all-reduce: not every task was ready");
            }
            if (parties == 1) {
                return 0;
            }
            try {
                return ring(values, rank, parties, Channels.newChannel(left.getInputStream()),
                        Channels.newChannel(right.getOutputStream()));
            } catch (IOException e) {
                throw new UncheckedIOException("ring all-reduce, task " + rank + " of " + parties + ": "
                        + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            closeQuietly(left);
            closeQuietly(right);
        }
    }

    /**
     * Reduce-scatter, then all-gather; sends run on a second thread so that both directions flow at once. Returns the
     * payload bytes sent to the right neighbour: 2(P-1) chunks, about 2(P-1)/P of the vector.
     */
    private static long ring(float[] v, int rank, int p, ReadableByteChannel in, WritableByteChannel out)
            throws IOException {
        int n = v.length;
        int[] start = new int[p + 1];
        for (int c = 0; c <= p; c++) {
            start[c] = (int) ((long) n * c / p);
        }
        ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "convnet4j ring sender");
            t.setDaemon(true);
            return t;
        });
        long sent = 0;
        try {
            ByteBuffer rx = ByteBuffer.allocate(4 * (start[1] - start[0] + n / p + 1)).order(ByteOrder.LITTLE_ENDIAN);
            for (int s = 0; s < p - 1; s++) { // reduce-scatter: afterwards chunk (rank + 1) % p is complete here
                int send = Math.floorMod(rank - s, p);
                int recv = Math.floorMod(rank - s - 1, p);
                Future<?> f = sender.submit(() -> write(out, v, start[send], start[send + 1]));
                read(in, rx, start[recv + 1] - start[recv]);
                for (int i = start[recv]; i < start[recv + 1]; i++) {
                    v[i] += rx.getFloat();
                }
                join(f);
                sent += 4L * (start[send + 1] - start[send]);
            }
            for (int s = 0; s < p - 1; s++) { // all-gather: the complete chunks go round
                int send = Math.floorMod(rank + 1 - s, p);
                int recv = Math.floorMod(rank - s, p);
                Future<?> f = sender.submit(() -> write(out, v, start[send], start[send + 1]));
                read(in, rx, start[recv + 1] - start[recv]);
                for (int i = start[recv]; i < start[recv + 1]; i++) {
                    v[i] = rx.getFloat();
                }
                join(f);
                sent += 4L * (start[send + 1] - start[send]);
            }
        } finally {
            sender.shutdownNow();
        }
        return sent;
    }

    private static Void write(WritableByteChannel out, float[] v, int from, int to) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * (to - from)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v, from, to - from);
        while (b.hasRemaining()) {
            out.write(b);
        }
        return null;
    }

    private static void read(ReadableByteChannel in, ByteBuffer b, int floats) throws IOException {
        b.clear().limit(4 * floats);
        while (b.hasRemaining()) {
            if (in.read(b) < 0) {
                throw new IOException("the left neighbour closed the connection");
            }
        }
        b.flip();
    }

    private static void join(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    private record Rendezvous(boolean allReady, InetSocketAddress[] addresses) {
    }

    private static Rendezvous rendezvous(Meeting m, String key, int rank, InetSocketAddress me, boolean ready)
            throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(m.host(), m.port()), TIMEOUT_MS);
            s.setSoTimeout(TIMEOUT_MS);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeUTF(key);
            out.writeInt(rank);
            out.writeUTF(me.getHostString());
            out.writeInt(me.getPort());
            out.writeBoolean(ready);
            out.flush();
            // the answer comes when every task has come: wait for its first byte in slices (a killed task gives up)
            s.setSoTimeout(POLL_MS);
            long deadline = System.nanoTime() + TIMEOUT_MS * 1_000_000L;
            int first;
            while (true) {
                try {
                    first = s.getInputStream().read();
                    break;
                } catch (java.net.SocketTimeoutException e) {
                    giveUpIfKilledOr(deadline);
                }
            }
            if (first < 0) {
                throw new IOException("the coordinator closed the connection");
            }
            s.setSoTimeout(TIMEOUT_MS);
            DataInputStream in = new DataInputStream(s.getInputStream());
            boolean allReady = first != 0;
            InetSocketAddress[] all = new InetSocketAddress[m.parties()];
            for (int i = 0; i < all.length; i++) {
                all[i] = new InetSocketAddress(in.readUTF(), in.readInt());
            }
            return new Rendezvous(allReady, all);
        }
    }

    /**
     * On the driver: collects the tasks of each exchange (by key) and, once all have come, tells each of them
     * everybody's address. One daemon thread; closed with the training run.
     */
    static final class Coordinator implements Closeable {
        private final ServerSocket server;
        private final Thread thread;
        private final Map<String, Party> waiting = new HashMap<>();

        private record Party(Socket[] sockets, String[] hosts, int[] ports, boolean[] ready) {
        }

        Coordinator(String host) throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(host, 0));
            thread = new Thread(this::serve, "convnet4j ring coordinator");
            thread.setDaemon(true);
            thread.start();
        }

        Meeting meeting(String key, int parties) {
            return new Meeting(server.getInetAddress().getHostAddress(), server.getLocalPort(), key, parties);
        }

        private void serve() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    s.setSoTimeout(TIMEOUT_MS);
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    String key = in.readUTF();
                    int rank = in.readInt();
                    String host = in.readUTF();
                    int port = in.readInt();
                    boolean ready = in.readBoolean();
                    int parties = Integer.parseInt(key.substring(key.indexOf('/') + 1, key.indexOf('#')));
                    Party party = waiting.computeIfAbsent(key,
                            k -> new Party(new Socket[parties], new String[parties], new int[parties],
                                    new boolean[parties]));
                    if (party.sockets[rank] != null) {
                        party.sockets[rank].close();
                    }
                    party.sockets[rank] = s;
                    party.hosts[rank] = host;
                    party.ports[rank] = port;
                    party.ready[rank] = ready;
                    if (java.util.Arrays.stream(party.sockets).allMatch(x -> x != null)) {
                        waiting.remove(key);
                        boolean allReady = true;
                        for (boolean r : party.ready) {
                            allReady &= r;
                        }
                        for (Socket t : party.sockets) {
                            try (t) {
                                DataOutputStream out = new DataOutputStream(t.getOutputStream());
                                out.writeBoolean(allReady);
                                for (int i = 0; i < parties; i++) {
                                    out.writeUTF(party.hosts[i]);
                                    out.writeInt(party.ports[i]);
                                }
                                out.flush();
                            } catch (IOException e) {
                                // that task has gone; its stage attempt fails and is retried under a new key
                            }
                        }
                    }
                } catch (SocketException e) {
                    return; // closed
                } catch (IOException | RuntimeException e) {
                    // a broken registration: the task fails and Spark retries the stage
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Party p : waiting.values()) {
                for (Socket s : p.sockets) {
                    if (s != null) {
                        s.close();
                    }
                }
            }
        }
    }
}
