package org.convnet4j.serve;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.function.Consumer;

/** What both servers share: JSON answers, JSON errors, and one way to create the Javalin app. */
final class Http {
    private Http() {
    }

    static void json(Context ctx, int status, JsonElement body) {
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    static void error(Context ctx, int status, String message) {
        json(ctx, status, errorBody(message));
    }

    /** {@code {"error": message}}. */
    static JsonObject errorBody(String message) {
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        return o;
    }

    /** Told of each request that matched no route: its status and its time in seconds. */
    interface Unmatched {
        void request(int status, double seconds);
    }

    private static final String UNMATCHED = "convnet4j.unmatched";

    /**
     * A Javalin app with no banner, no request logging and JSON bodies for unknown routes; {@code routes}
     * adds the endpoints; {@code unmatched} (may be null) hears of every request that matched no route.
     */
    static Javalin create(Consumer<JavalinConfig> routes, Unmatched unmatched) {
        return create(routes, unmatched, null);
    }

    /**
     * As above, with {@code first} (may be null), a Jetty handler that sees every request before Javalin's
     * servlet, on the selector thread that read it, and answers the ones it takes (returning true) without ever
     * blocking; the others go on to Javalin on a pool thread (see {@link SelectorHandoffs}).
     */
    static Javalin create(Consumer<JavalinConfig> routes, Unmatched unmatched, org.eclipse.jetty.server.Handler first) {
        return Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            // Javalin appends its servlet context to the Handler.Sequence it finds inside the server's wrapper; the
            // wrapper also refuses methods Javalin does not know (SelectorHandoffs), with or without a fast path
            config.jetty.modifyServer(server -> server.setHandler(
                    new SelectorHandoffs(first, unmatched, new org.eclipse.jetty.server.Handler.Sequence())));
            config.routes.error(404, ctx -> {
                // our own 404s (unknown model) are JSON already; Javalin's "not found" text is replaced
                String type = ctx.res().getContentType();
                if (type == null || !type.startsWith("application/json")) {
                    ctx.attribute(UNMATCHED, Boolean.TRUE);
                    error(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path());
                }
            });
            if (unmatched != null) {
                // Javalin times every request for its logger; only the unmatched ones are ours to count here
                config.requestLogger.http((ctx, millis) -> {
                    if (Boolean.TRUE.equals(ctx.attribute(UNMATCHED))) {
                        unmatched.request(ctx.status().getCode(), millis / 1000.0);
                    }
                });
            }
            routes.accept(config);
        });
    }
}
