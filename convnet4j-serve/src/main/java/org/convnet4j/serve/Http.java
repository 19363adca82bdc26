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
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        json(ctx, status, o);
    }

    /**
     * A Javalin app with no banner, no request logging and JSON bodies for unknown routes; {@code routes}
     * adds the endpoints.
     */
    static Javalin create(Consumer<JavalinConfig> routes) {
        return Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.error(404, ctx -> {
                // our own 404s (unknown model) are JSON already; Javalin's "not found" text is replaced
                String type = ctx.res().getContentType();
                if (type == null || !type.startsWith("application/json")) {
                    error(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path());
                }
            });
            routes.accept(config);
        });
    }
}
