package org.convnet4j.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Separate network hosts on one Linux machine (needs root, iproute2): {@code n} network namespaces, each with its own
 * interfaces, loopback, routing table and ports, joined by veth pairs to a bridge in this process's namespace. Every
 * namespace gets one address of a /24 in 198.18.0.0/15 (the range RFC 2544 reserves for network tests; never routed
 * to the outside: the bridge's own route is more specific than the default route), and the bridge (this host, where
 * the driver runs) the {@code .1} of it. A process started with {@link #command} lives in that host's namespace: it
 * reaches the other hosts only over its veth and the bridge, and its 127.0.0.1 is its own.
 *
 * <p>Names carry this JVM's pid ({@code c4j<pid>-<i>}, bridge {@code c4jbr<pid>}), so that two test runs on the
 * machine do not meet; namespaces and bridges left by a killed run (whose pid is gone) are removed on creation.
 */
final class NetworkNamespaces implements AutoCloseable {
    private final String id;
    private final String bridge;
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    private final String bridgeAddress;

    private NetworkNamespaces(int n) throws IOException {
        long pid = ProcessHandle.current().pid();
        id = Long.toString(pid);
        bridge = "c4jbr" + pid;
        // a /24 of its own per run (by pid), skipping one already routed on this machine
        int subnet = -1;
        String routes = run(List.of("ip", "-4", "route", "show"), true);
        for (int k = 0; k < 250 && subnet < 0; k++) {
            int candidate = (int) ((pid + k) % 250) + 1;
            if (!routes.contains("198.18." + candidate + ".0/24")) {
                subnet = candidate;
            }
        }
        if (subnet < 0) {
            throw new IOException("no free /24 in 198.18.0.0/16");
        }
        String prefix = "198.18." + subnet + ".";
        bridgeAddress = prefix + "1";
        try {
            build(n, pid, prefix);
        } catch (IOException | RuntimeException e) {
            close(); // nothing half-built stays behind
            throw e;
        }
    }

    private void build(int n, long pid, String prefix) throws IOException {
        run(List.of("ip", "link", "add", bridge, "type", "bridge"), true);
        run(List.of("ip", "addr", "add", bridgeAddress + "/24", "dev", bridge), true);
        run(List.of("ip", "link", "set", bridge, "up"), true);
        for (int i = 0; i < n; i++) {
            String ns = "c4j" + pid + "-" + i;
            String veth = "c4jv" + pid + "-" + i;
            String address = prefix + (i + 2);
            run(List.of("ip", "netns", "add", ns), true);
            namespaces.add(ns);
            run(List.of("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns), true);
            run(List.of("ip", "link", "set", veth, "master", bridge, "up"), true);
            run(List.of("ip", "-n", ns, "addr", "add", address + "/24", "dev", "eth0"), true);
            run(List.of("ip", "-n", ns, "link", "set", "eth0", "up"), true);
            run(List.of("ip", "-n", ns, "link", "set", "lo", "up"), true);
            addresses.add(address);
        }
    }

    /**
     * {@code n} hosts, or an exception saying why they cannot be made (not root, no iproute2, no network namespaces in
     * this kernel or sandbox). Stale namespaces and bridges of earlier runs are removed first.
     */
    static NetworkNamespaces create(int n) throws IOException {
        removeStale();
        return new NetworkNamespaces(n);
    }

    /** The address of host {@code i} (its eth0). */
    String address(int i) {
        return addresses.get(i);
    }

    /** This process's address on the bridge: how the hosts reach the driver. */
    String bridgeAddress() {
        return bridgeAddress;
    }

    /** {@code command} prefixed so that it runs in host {@code i}'s namespace. */
    List<String> command(int i, List<String> command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", namespaces.get(i)));
        c.addAll(command);
        return c;
    }

    /** The network namespace of a process (the inode link in /proc), to check where a JVM really runs. */
    static String namespaceOf(long pid) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString();
    }

    @Override
    public void close() {
        for (String ns : namespaces) {
            try {
                run(List.of("ip", "netns", "del", ns), false); // its end of the veth goes with it, and so the pair
            } catch (IOException ignored) {
                // removed by the next run's removeStale
            }
        }
        try {
            run(List.of("ip", "link", "del", bridge), false);
        } catch (IOException ignored) {
            // as above
        }
    }

    /** Namespaces and bridges named c4j&lt;pid&gt;... whose pid no longer runs. */
    private static void removeStale() throws IOException {
        for (String line : run(List.of("ip", "netns", "list"), true).split("\n")) {
            String name = line.split(" ")[0];
            if (name.matches("c4j\\d+-\\d+") && !alive(name.substring(3, name.indexOf('-')))) {
                run(List.of("ip", "netns", "del", name), false);
            }
        }
        for (String line : run(List.of("ip", "-o", "link", "show", "type", "bridge"), true).split("\n")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\d+: (c4jbr(\\d+))[:@]").matcher(line);
            if (m.find() && !alive(m.group(2))) {
                run(List.of("ip", "link", "del", m.group(1)), false);
            }
        }
    }

    private static boolean alive(String pid) {
        return ProcessHandle.of(Long.parseLong(pid)).isPresent();
    }

    /** Runs a command; its output, or (when {@code check}) an exception with its output if it failed. */
    private static String run(List<String> command, boolean check) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": did not finish in 30 s");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (check && p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + text.strip());
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
