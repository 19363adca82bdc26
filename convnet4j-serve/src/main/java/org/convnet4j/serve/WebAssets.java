package org.convnet4j.serve;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The pages' files, served from the jar (no CDN, so the pages work offline). Only the files named here are
 * served, loaded once: a request path never reaches the class path or the file system.
 */
final class WebAssets {
    private static final String ROOT = "/org/convnet4j/serve/web/";
    private final Map<String, byte[]> files = new HashMap<>();

    WebAssets(String... names) {
        for (String n : names) {
            try (InputStream in = WebAssets.class.getResourceAsStream(ROOT + n)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + ROOT + n);
                }
                files.put(n, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Answers with the named file, or 404 for a name that is not one of ours. */
    void serve(Context ctx, String name) {
        byte[] b = files.get(name);
        if (b == null) {
            throw new ApiException(404, "no such file: " + name);
        }
        ctx.contentType(contentType(name)).header("Cache-Control", "no-cache").result(b);
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        } else if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        } else if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "text/plain; charset=utf-8";
    }
}
