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
 * in this process ({@link #addRun}) and for the runs under a log directory (each poll reads only the bytes
 * appended to their event files since the last one, so runs written by other processes appear as they go
 * without re-reading whole files). Past and live runs are shown side by side.
 *
 * <ul>
 *   <li>{@code GET /api/runs}: {@code [{"id", "events", "live", "finished"}]};</li>
 *   <li>{@code GET /api/runs/{id}/events?from=N}: {@code {"events": [...], "next": M}}.</li>
 * </ul>
 */
public final class DashboardServer implements AutoCloseable {
    private static final String[] ASSETS = {"dashboard.html", "dashboard.js", "common.css", "uPlot.iife.min.js",
        "uPlot.min.css", "uPlot.LICENSE"};

    private final LoggedRuns logged;
    private final Map<String, RunLog> live = new ConcurrentHashMap<>();
    private final WebAssets assets = new WebAssets(ASSETS);
    private final Javalin app;
    private final String host;
    private int port;

    private DashboardServer(String host, Path logdir) {
        this.host = host;
        this.logged = logdir == null ? null : new LoggedRuns(logdir);
        this.app = Http.create(this::routes, null);
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

    /** A run's events from index {@code from} on: a live run's, else a logged one's; 404 for neither. */
    private List<JsonObject> events(String id, int from) throws IOException {
        RunLog r = live.get(id);
        if (r != null) {
            return r.since(from);
        }
        List<JsonObject> all = logged == null ? null : logged.events(id);
        if (all == null) {
            throw new ApiException(404, "unknown run '" + id + "'");
        }
        return all.subList(Math.min(Math.max(0, from), all.size()), all.size());
    }

    private void listRuns(Context ctx) throws IOException {
        Map<String, List<JsonObject>> all = logged == null ? new TreeMap<>() : new TreeMap<>(logged.all());
        for (RunLog r : live.values()) {
            // live runs win: they are newer; the last few events are enough to say whether the run has ended
            all.put(r.id(), r.since(Math.max(0, r.size() - 8)));
        }
        JsonArray a = new JsonArray();
        for (Map.Entry<String, List<JsonObject>> e : all.entrySet()) {
            RunLog r = live.get(e.getKey());
            List<JsonObject> events = e.getValue();
            JsonObject o = new JsonObject();
            o.addProperty("id", e.getKey());
            o.addProperty("events", r != null ? r.size() : events.size());
            o.addProperty("live", r != null);
            o.addProperty("finished", finished(events));
            a.add(o);
        }
        Http.json(ctx, 200, a);
    }

    /**
     * Whether the last "start" or "end" among {@code events} is an end: events that come after the end (the
     * confusion matrix fuse computes after training) do not make a run running again, a new start does (fuse trains
     * the members of a late fusion in turn, in one run; a phase event too: transfer's next phase).
     */
    static boolean finished(List<JsonObject> events) {
        for (int i = events.size() - 1; i >= 0; i--) {
            if (events.get(i).get("type") instanceof com.google.gson.JsonPrimitive t) {
                if ("end".equals(t.getAsString())) {
                    return true;
                }
                if ("start".equals(t.getAsString()) || "phase".equals(t.getAsString())) {
                    return false;
                }
            }
        }
        return false;
    }

    private void events(Context ctx) throws IOException {
        int from = 0;
        String q = ctx.queryParam("from");
        if (q != null) {
            try {
                from = Integer.parseInt(q);
            } catch (NumberFormatException e) {
                throw new ApiException(400, "from must be a whole number, got '" + q + "'");
            }
        }
        List<JsonObject> events = events(ctx.pathParam("id"), from);
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
