package org.convnet4j.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The training dashboard: a page ({@code /}) that polls the runs' events and draws them, for runs in progress
 * in this process ({@link #addRun}) and for the runs under a log directory (read again at each request, so runs
 * written by other processes appear as they go). Past and live runs are shown side by side.
 *
 * <ul>
 *   <li>{@code GET /api/runs}: {@code [{"id", "events", "live", "finished"}]};</li>
 *   <li>{@code GET /api/runs/{id}/events?from=N}: {@code {"events": [...], "next": M}}.</li>
 * </ul>
 */
public final class DashboardServer implements AutoCloseable {
    private static final String[] ASSETS = {"dashboard.html", "dashboard.js", "common.css", "uPlot.iife.min.js",
        "uPlot.min.css", "uPlot.LICENSE"};

    private final Path logdir;
    private final Map<String, RunLog> live = new ConcurrentHashMap<>();
    private final WebAssets assets = new WebAssets(ASSETS);
    private final Javalin app;
    private final String host;
    private int port;

    private DashboardServer(String host, Path logdir) {
        this.host = host;
        this.logdir = logdir;
        this.app = Http.create(this::routes);
    }

    /** Serves on {@code host:port} (port 0: any free one); {@code logdir} may be null (live runs only). */
    public static DashboardServer start(String host, int port, Path logdir) throws IOException {
        if (logdir != null && !Files.isDirectory(logdir)) {
            throw new IOException(logdir + ": not a directory");
        }
        DashboardServer s = new DashboardServer(host, logdir);
        try {
            s.app.start(host, port);
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + host + ":" + port + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        s.port = s.app.port();
        return s;
    }

    public DashboardServer addRun(RunLog run) {
        live.put(run.id(), run);
        return this;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://" + ("0.0.0.0".equals(host) ? "127.0.0.1" : host) + ":" + port;
    }

    private void routes(JavalinConfig config) {
        config.routes.get("/", ctx -> handle(ctx, c -> assets.serve(c, "dashboard.html")));
        config.routes.get("/static/{file}", ctx -> handle(ctx, c -> assets.serve(c, c.pathParam("file"))));
        config.routes.get("/api/runs", ctx -> handle(ctx, this::listRuns));
        config.routes.get("/api/runs/{id}/events", ctx -> handle(ctx, this::events));
    }

    private interface Endpoint {
        void handle(Context ctx) throws Exception;
    }

    private static void handle(Context ctx, Endpoint body) {
        try {
            body.handle(ctx);
        } catch (ApiException e) {
            Http.error(ctx, e.status(), e.getMessage());
        } catch (Exception e) {
            Http.error(ctx, 500, "internal error: " + e);
        }
    }

    /** All runs by id: the log directory's, then this process's live ones (which win: they are newer). */
    private Map<String, RunLog> runs() throws IOException {
        Map<String, RunLog> all = new TreeMap<>();
        if (logdir != null) {
            try (var dirs = Files.list(logdir)) {
                for (Path d : (Iterable<Path>) dirs::iterator) {
                    if (Files.isRegularFile(d.resolve(RunLog.EVENTS))) {
                        all.put(d.getFileName().toString(), null); // read lazily: listing must stay cheap
                    }
                }
            }
        }
        all.putAll(live);
        return all;
    }

    private RunLog run(String id) throws IOException {
        RunLog r = live.get(id);
        if (r != null) {
            return r;
        }
        if (logdir != null && id.matches("[A-Za-z0-9._-]+") && !id.startsWith(".")) {
            Path dir = logdir.resolve(id);
            if (Files.isRegularFile(dir.resolve(RunLog.EVENTS))) {
                return RunLog.read(dir);
            }
        }
        throw new ApiException(404, "unknown run '" + id + "'");
    }

    private void listRuns(Context ctx) throws IOException {
        JsonArray a = new JsonArray();
        for (Map.Entry<String, RunLog> e : runs().entrySet()) {
            RunLog r = e.getValue() != null ? e.getValue() : RunLog.read(logdir.resolve(e.getKey()));
            List<JsonObject> events = r.since(0);
            JsonObject o = new JsonObject();
            o.addProperty("id", e.getKey());
            o.addProperty("events", events.size());
            o.addProperty("live", live.containsKey(e.getKey()));
            o.addProperty("finished", !events.isEmpty()
                    && "end".equals(events.get(events.size() - 1).get("type").getAsString()));
            a.add(o);
        }
        Http.json(ctx, 200, a);
    }

    private void events(Context ctx) throws IOException {
        RunLog r = run(ctx.pathParam("id"));
        int from = 0;
        String q = ctx.queryParam("from");
        if (q != null) {
            try {
                from = Integer.parseInt(q);
            } catch (NumberFormatException e) {
                throw new ApiException(400, "from must be a whole number, got '" + q + "'");
            }
        }
        List<JsonObject> events = r.since(from);
        JsonArray a = new JsonArray();
        events.forEach(a::add);
        JsonObject o = new JsonObject();
        o.add("events", a);
        o.addProperty("next", Math.max(0, from) + events.size());
        Http.json(ctx, 200, o);
    }

    @Override
    public void close() {
        app.stop();
    }
}
