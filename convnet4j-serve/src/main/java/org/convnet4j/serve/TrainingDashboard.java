package org.convnet4j.serve;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.data.Dataset;
import org.convnet4j.train.ConfusionMatrix;
import org.convnet4j.train.TrainingListener;

/**
 * The dashboard of a program that trains one or more models (what {@code --ui [PORT]} and {@code --logdir DIR} give
 * the CLI's train, fuse, transfer and zoo-benchmark): a live {@link DashboardServer} on 127.0.0.1 while the program
 * runs, and/or a {@link RunLog} per training run under a folder that {@code convnet4j ui --logdir DIR} shows later.
 * With neither, {@link #run} gives listeners that do nothing. {@link #close()} stops the server and closes the logs.
 */
public final class TrainingDashboard implements AutoCloseable {
    private final DashboardServer server;
    private final Path logdir;
    private final boolean enabled;
    private final String mapsLayer;
    private final List<RunLog> logs = new ArrayList<>();

    private TrainingDashboard(DashboardServer server, Path logdir, boolean enabled, String mapsLayer) {
        this.server = server;
        this.logdir = logdir;
        this.enabled = enabled;
        this.mapsLayer = mapsLayer;
    }

    /**
     * A dashboard serving on 127.0.0.1:{@code port} (null: no server; 0: a free port) and writing each run's events
     * to {@code logdir}/RUN/events.jsonl (null: not written).
     *
     * @param mapsLayer the layer (a sequential model's layer or a graph's node) whose feature maps are drawn each epoch;
     *                  null: the first convolution
     */
    public static TrainingDashboard open(Integer port, Path logdir, String mapsLayer) throws IOException {
        DashboardServer server = port == null ? null : DashboardServer.start("127.0.0.1", port, null);
        boolean enabled = port != null || logdir != null;
        return new TrainingDashboard(server, logdir, enabled, mapsLayer);
    }

    /** The live dashboard's address ({@code http://127.0.0.1:PORT}), or null without a server. */
    public String url() {
        return server == null ? null : server.url();
    }

    /**
     * The listener of one training run named {@code name}: a {@link DashboardListener} on a new {@link RunLog} shown by
     * the server, or one that does nothing when the dashboard has neither server nor folder. {@code validation} (may be
     * null) gives the sample whose feature maps are drawn (single-input data) and the confusion matrix at the end.
     *
     * @throws UncheckedIOException when the run's folder cannot be made under the log folder
     */
    public TrainingListener run(String name, Dataset validation) {
        return run(name, validation, "validation");
    }

    /**
     * As {@link #run(String, Dataset)}, with {@code data} named {@code dataName} on the page (e.g. "test" for a
     * command that gives its test set for the confusion matrix at the end).
     */
    public TrainingListener run(String name, Dataset data, String dataName) {
        Dataset validation = data;
        if (!enabled) {
            return new TrainingListener() {
            };
        }
        RunLog log;
        try {
            log = RunLog.create(logdir, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        logs.add(log);
        if (server != null) {
            server.addRun(log);
        }
        boolean pictures = validation != null && validation.size() > 0 && validation.inputShapes().size() == 1;
        return new DashboardListener(log, validation, pictures ? validation.sample(0) : null, mapsLayer).dataName(dataName);
    }

    /** Shows a confusion matrix computed after training in {@code listener}'s run (one from {@link #run}). */
    public void confusion(TrainingListener listener, ConfusionMatrix cm, int samples) {
        if (listener instanceof DashboardListener d) {
            d.confusion(cm, samples);
        }
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            server.close();
        }
        for (RunLog l : logs) {
            l.close();
        }
    }
}
