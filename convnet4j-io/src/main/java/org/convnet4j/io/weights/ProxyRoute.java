package org.convnet4j.io.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;

/**
 * How a download reaches its URL: directly, or through an HTTP proxy, with a user name and password when the proxy
 * needs them (Basic {@code Proxy-Authorization}). Where the proxy comes from: the JVM's settings
 * ({@code -Dhttps.proxyHost/-Dhttps.proxyPort}, {@code -Djava.net.useSystemProxies=true}) with
 * {@code -Dhttps.proxyUser/-Dhttps.proxyPassword} ({@code http.} for http URLs), else {@code https_proxy} /
 * {@code http_proxy} ({@code http://USER:PASSWORD@HOST:PORT}, percent-encoded; {@code no_proxy} honoured); loopback
 * addresses always go direct.
 *
 * <p>A plain http request carries the header itself. An https download through a proxy is a {@code CONNECT} tunnel,
 * which the JDK's HTTP client will not authenticate with Basic (it disables that scheme for tunnels unless the
 * process-wide {@code jdk.http.auth.tunneling.disabledSchemes} is changed before its first connection), so with
 * credentials the tunnel is opened here: a socket to the proxy that sends {@code CONNECT} with the header and hands
 * the connection on once the proxy answers 200; TLS (certificate and host-name checks included) then runs end to
 * end over it as for any https connection. The credentials never appear in a message: errors name the proxy by
 * host and port only.
 */
final class ProxyRoute {
    private final Proxy proxy;
    private final String authorization;

    private ProxyRoute(Proxy proxy, String authorization) {
        this.proxy = proxy;
        this.authorization = authorization;
    }

    /** The route to {@code u}. */
    static ProxyRoute to(URL u) throws IOException {
        String host = u.getHost();
        if (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1")) {
            return new ProxyRoute(Proxy.NO_PROXY, null);
        }
        String scheme = u.getProtocol().equals("https") ? "https" : "http";
        try {
            ProxySelector sel = ProxySelector.getDefault();
            if (sel != null) {
                List<Proxy> ps = sel.select(u.toURI());
                if (!ps.isEmpty() && ps.get(0).type() != Proxy.Type.DIRECT) {
                    String user = System.getProperty(scheme + ".proxyUser");
                    String password = System.getProperty(scheme + ".proxyPassword");
                    return new ProxyRoute(ps.get(0), user == null || user.isEmpty() ? null
                            : basic(user, password == null ? "" : password));
                }
            }
        } catch (URISyntaxException e) {
            throw new IOException(u + " is not a valid URL", e);
        }
        String variable = scheme + "_proxy";
        String var = env(variable);
        if (var == null || var.isBlank() || noProxy(host)) {
            return new ProxyRoute(Proxy.NO_PROXY, null);
        }
        URI p;
        try {
            p = new URI(var.contains("://") ? var.trim() : "http://" + var.trim());
        } catch (URISyntaxException e) {
            throw new IOException("the proxy variable " + variable + " is not host:port or a URL: '"
                    + withoutUserInfo(var) + "'", e);
        }
        if (p.getHost() == null) {
            throw new IOException("the proxy variable " + variable + " is not host:port or a URL: '"
                    + withoutUserInfo(var) + "'");
        }
        String auth = null;
        String info = p.getRawUserInfo();
        if (info != null && !info.isEmpty()) {
            int colon = info.indexOf(':');
            auth = colon < 0 ? basic(decode(info), "")
                    : basic(decode(info.substring(0, colon)), decode(info.substring(colon + 1)));
        }
        return new ProxyRoute(new Proxy(Proxy.Type.HTTP,
                InetSocketAddress.createUnresolved(p.getHost(), p.getPort() < 0 ? 80 : p.getPort())), auth);
    }

    /** The proxy, for errors: {@code " (through the proxy HOST:PORT)"}, or empty when direct. */
    String via() {
        if (proxy.type() == Proxy.Type.DIRECT) {
            return "";
        }
        return " (through the proxy " + hostPort(proxy.address()) + ")";
    }

    boolean direct() {
        return proxy.type() == Proxy.Type.DIRECT;
    }

    /** An unopened connection to {@code u} along this route. */
    HttpURLConnection open(URL u) throws IOException {
        if (authorization == null || proxy.type() == Proxy.Type.DIRECT) {
            return (HttpURLConnection) u.openConnection(proxy);
        }
        if (u.getProtocol().equals("https")) {
            HttpsURLConnection c = (HttpsURLConnection) u.openConnection(Proxy.NO_PROXY);
            c.setSSLSocketFactory(new TunnelSocketFactory(c.getSSLSocketFactory(), proxy.address(), authorization));
            return c;
        }
        HttpURLConnection c = (HttpURLConnection) u.openConnection(proxy);
        c.setRequestProperty("Proxy-Authorization", authorization);
        return c;
    }

    /** What to say when the proxy answered 407: how to give credentials, or that those given were refused. */
    String authenticationRefused(String url, String status) {
        return url + ": the proxy " + hostPort(proxy.address()) + " " + (authorization == null
                ? "needs a user name and password (" + status + "): give them as https_proxy=http://USER:PASSWORD@HOST:PORT"
                        + " (percent-encode special characters), or -Dhttps.proxyUser=USER -Dhttps.proxyPassword=PASSWORD"
                        + " with -Dhttps.proxyHost (in CONVNET4J_JAVA_OPTS for the convnet4j launcher)"
                : "refused the user name and password given (" + status + "); nothing was downloaded");
    }

    /** The message of a tunnel the proxy refused, if {@code e} (or a cause) is one; else null. */
    static ProxyRefusedException refusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProxyRefusedException r) {
                return r;
            }
        }
        return null;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String hostPort(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            return i.getHostString() + ":" + i.getPort();
        }
        return String.valueOf(a);
    }

    /** {@code var} with any {@code USER:PASSWORD@} taken out, for messages. */
    static String withoutUserInfo(String var) {
        int at = var.lastIndexOf('@');
        if (at < 0) {
            return var;
        }
        int scheme = var.indexOf("://");
        return (scheme >= 0 && scheme < at ? var.substring(0, scheme + 3) : "") + "***@" + var.substring(at + 1);
    }

    /** Percent-decoding of a URL's user-info part (UTF-8; {@code +} stays {@code +}). */
    private static String decode(String s) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0
                        || Character.digit(s.charAt(i + 2), 16) < 0) {
                    throw new IOException("the proxy's user name or password has a broken %-escape");
                }
                b.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                b.write(bytes, 0, bytes.length);
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static boolean noProxy(String host) {
        String list = env("no_proxy");
        if (list == null) {
            return false;
        }
        for (String s : list.split(",")) {
            String d = s.trim().toLowerCase(Locale.ROOT);
            if (d.equals("*") || (!d.isEmpty() && (host.equalsIgnoreCase(d) || host.toLowerCase(Locale.ROOT)
                    .endsWith(d.startsWith(".") ? d : "." + d)))) {
                return true;
            }
        }
        return false;
    }

    private static String env(String lower) {
        String v = System.getenv(lower);
        return v != null ? v : System.getenv(lower.toUpperCase(Locale.ROOT));
    }

    /** The proxy did not open the tunnel (its status line, never the credentials). */
    static final class ProxyRefusedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final String statusLine;

        ProxyRefusedException(int status, String statusLine) {
            super("the proxy answered the tunnel request with " + statusLine);
            this.status = status;
            this.statusLine = statusLine;
        }

        int status() {
            return status;
        }

        String statusLine() {
            return statusLine;
        }
    }

    /**
     * Sockets for {@link HttpsURLConnection} that reach the server through a CONNECT tunnel opened with the
     * credentials; TLS is layered over the tunnel by the JDK's own factory (trust store, host-name check, SNI).
     */
    private static final class TunnelSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory tls;
        private final SocketAddress proxy;
        private final String authorization;

        TunnelSocketFactory(SSLSocketFactory tls, SocketAddress proxy, String authorization) {
            this.tls = tls;
            this.proxy = proxy;
            this.authorization = authorization;
        }

        @Override
        public Socket createSocket() {
            return new TunnelSocket(proxy, authorization);
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return tls.createSocket(s, host, port, autoClose);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            Socket s = createSocket();
            s.connect(InetSocketAddress.createUnresolved(host, port));
            return tls.createSocket(s, host, port, true);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return createSocket(host.getHostAddress(), port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return createSocket(address.getHostAddress(), port);
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return tls.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return tls.getSupportedCipherSuites();
        }
    }

    /** A socket whose {@code connect(server)} connects to the proxy and asks it for a tunnel to the server. */
    private static final class TunnelSocket extends Socket {
        private static final int MAX_HEAD = 16 * 1024;
        private final SocketAddress proxy;
        private final String authorization;

        TunnelSocket(SocketAddress proxy, String authorization) {
            this.proxy = proxy;
            this.authorization = authorization;
        }

        @Override
        public void connect(SocketAddress endpoint) throws IOException {
            connect(endpoint, 0);
        }

        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            if (!(endpoint instanceof InetSocketAddress target)) {
                throw new SocketException("not an internet address: " + endpoint);
            }
            InetSocketAddress p = (InetSocketAddress) proxy;
            super.connect(p.isUnresolved() ? new InetSocketAddress(p.getHostString(), p.getPort()) : p, timeout);
            String host = target.getHostString();
            String hostPort = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + target.getPort();
            int before = getSoTimeout();
            setSoTimeout(timeout > 0 ? timeout : 60_000);
            OutputStream out = getOutputStream();
            out.write(("CONNECT " + hostPort + " HTTP/1.1\r\nHost: " + hostPort + "\r\nUser-Agent: convnet4j\r\n"
                    + "Proxy-Authorization: " + authorization + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String head = readHead(getInputStream());
            String statusLine = head.substring(0, Math.max(0, head.indexOf("\r\n"))).trim();
            String[] parts = statusLine.split(" ", 3);
            int status;
            try {
                status = parts.length >= 2 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : -1;
            } catch (NumberFormatException e) {
                status = -1;
            }
            if (status < 200 || status > 299) {
                close();
                throw new ProxyRefusedException(status, status < 0 ? "something that is not HTTP"
                        : "HTTP " + status + (parts.length > 2 ? " " + parts[2] : ""));
            }
            setSoTimeout(before);
        }

        /** The proxy's answer up to the blank line, a byte at a time so that nothing after it is taken. */
        private static String readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    if (head.length() == 0) {
                        throw new SocketException("the proxy closed the connection without answering the tunnel request");
                    }
                    break;
                }
                if (head.length() >= MAX_HEAD) {
                    throw new SocketException("the proxy's answer to the tunnel request is over " + MAX_HEAD + " bytes");
                }
                head.append((char) b);
            }
            return head.toString();
        }
    }
}
