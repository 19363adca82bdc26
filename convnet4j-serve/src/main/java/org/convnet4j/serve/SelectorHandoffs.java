package org.convnet4j.serve;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * The model server's top Jetty handler, arranged so that a small v2 request is read, parsed, queued (or, for a
 * small idle model, computed) and answered by the selector thread that saw its bytes arrive, with no hand-off to
 * another thread.
 *
 * <p>Jetty 12.1 runs "bytes arrived on an HTTP/1.1 connection" on the selector thread itself only when the
 * server's handlers say they never block ({@link Invocable.InvocationType#NON_BLOCKING}); otherwise the selector
 * thread either hands the work to a pool thread or runs it after waking a reserved thread to take over selecting,
 * and every request wakes one more thread (perf stat: about two context switches and one to four futex calls per
 * LeNet-5 request, docs/SERVING.md). Javalin's servlet blocks (it reads and writes with blocking calls), so this
 * handler makes the promise and keeps it: {@code first} (the v2 fast path) never blocks on the calling thread (it
 * reads small bodies as they arrive and sends larger ones to the pool), and every other request is handed to the
 * server's thread pool and goes on to the wrapped handlers (Javalin) there, as Jetty did before.
 *
 * <p>A method Javalin does not know is refused here, 400 with a JSON error: Javalin 7.2 takes only the upper-case
 * letters A to Z in a method, so {@code post} or {@code M-SEARCH} got its empty 500, and every other unknown name is
 * added to a static map of its own for good (its {@code HandlerType.findOrCreate}). HTTP methods are case-sensitive:
 * {@code post} is not {@code POST}. (RFC 9110 suggests 501 for a method a server does not recognise; a 4xx says that
 * the request, not the server, is at fault, and keeps the server's error counts for its own failures.)
 */
final class SelectorHandoffs extends Handler.Wrapper {
    /** The methods Javalin knows by name (its {@code HandlerType} constants); our routes take GET and POST. */
    private static final Set<String> JAVALIN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
            "OPTIONS", "TRACE", "CONNECT", "QUERY");

    private final Handler first;
    private final Http.Unmatched unmatched;

    /**
     * {@code first}: null for a server without a fast path (the dashboard), whose requests go on to {@code next} on
     * the thread Jetty gives them, as without this handler; {@code unmatched} (may be null) hears of the requests
     * refused for their method, as of those of no route.
     */
    SelectorHandoffs(Handler first, Http.Unmatched unmatched, Handler next) {
        super(next);
        this.first = first;
        this.unmatched = unmatched;
        if (first != null) {
            installBean(first);
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!JAVALIN_METHODS.contains(request.getMethod())) {
            refuseMethod(request, response, callback);
            return true;
        }
        if (first == null) {
            return super.handle(request, response, callback);
        }
        if (first.handle(request, response, callback)) {
            return true;
        }
        request.getComponents().getThreadPool().execute(() -> {
            try {
                if (!super.handle(request, response, callback)) {
                    Response.writeError(request, response, callback, 404);
                }
            } catch (Throwable x) {
                Response.writeError(request, response, callback, x);
            }
        });
        return true;
    }

    private void refuseMethod(Request request, Response response, Callback callback) {
        long t0 = System.nanoTime();
        String method = request.getMethod();
        String shown = method.length() > 40 ? method.substring(0, 40) + "..." : method;
        byte[] body = Http.errorBody("unknown method '" + shown + "' (methods are case-sensitive: this server"
                + " answers GET, HEAD and POST)").toString().getBytes(StandardCharsets.UTF_8);
        response.setStatus(400);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        if (unmatched != null) { // counted before the answer leaves, so that a client reading it finds it counted
            unmatched.request(400, (System.nanoTime() - t0) / 1e9);
        }
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    @Override
    public Invocable.InvocationType getInvocationType() {
        return first == null ? super.getInvocationType() : Invocable.InvocationType.NON_BLOCKING;
    }
}
