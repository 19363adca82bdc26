package org.convnet4j.serve;

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
 */
final class SelectorHandoffs extends Handler.Wrapper {
    private final Handler first;

    SelectorHandoffs(Handler first, Handler next) {
        super(next);
        this.first = first;
        installBean(first);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
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

    @Override
    public Invocable.InvocationType getInvocationType() {
        return Invocable.InvocationType.NON_BLOCKING;
    }
}
