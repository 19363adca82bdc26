package org.convnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.data.Dataset;
import org.convnet4j.serve.DashboardListener;
import org.convnet4j.serve.DashboardServer;
import org.convnet4j.serve.RunLog;
import org.convnet4j.train.TrainingListener;
import picocli.CommandLine.Option;

/**
 * {@code --ui [PORT]} and {@code --logdir DIR} for the commands that train (a picocli mixin): a live dashboard
 * on 127.0.0.1 while the command runs, and run logs that {@code convnet4j ui} shows later.
 */
final class DashboardOptions {
    static final int DEFAULT_PORT = 6006;

    @Option(names = "--ui", arity = "0..1", fallbackValue = "" + DEFAULT_PORT, paramLabel = "PORT",
            description = "Serve a live training dashboard on http://127.0.0.1:PORT/ (default " + DEFAULT_PORT
                    + ") while training runs: loss, accuracy, learning rate, images/s, ETA, first-layer kernels, "
                    + "feature maps, the confusion matrix at the end.")
    Integer uiPort;

    @Option(names = "--ui-maps", paramLabel = "LAYER", description = "The layer (a sequential model's layer or a "
            + "graph's node, as 'summary' names them) whose feature maps the dashboard draws each epoch; default: the "
            + "first convolution.")
    String mapsLayer;

    @Option(names = "--logdir", paramLabel = "DIR", description = "Also write the run's events to DIR/RUN/events.jsonl; "
            + "'convnet4j ui --logdir DIR' shows the runs there side by side.")
    Path logdir;

    /** The dashboard of one command: nothing when neither option was given. */
    Session open(PrintWriter out) throws IOException {
        if (uiPort != null && (uiPort < 0 || uiPort > 65535)) {
            throw new BadInputException("--ui: port " + uiPort + " is not 0..65535");
        }
        DashboardServer server = uiPort == null ? null : DashboardServer.start("127.0.0.1", uiPort, null);
        if (server != null) {
            out.println("Dashboard: " + server.url() + "/ (while this command runs"
                    + (logdir != null ? "; afterwards: convnet4j ui --logdir " + logdir : "") + ")");
            out.flush();
        }
        if (mapsLayer != null && uiPort == null && logdir == null) {
            throw new BadInputException("--ui-maps needs --ui or --logdir");
        }
        return new Session(server, uiPort != null || logdir != null ? logdir : null, uiPort != null || logdir != null,
                mapsLayer);
    }

    static final class Session implements AutoCloseable {
        private final DashboardServer server;
        private final Path logdir;
        private final boolean enabled;
        private final String mapsLayer;
        private final List<RunLog> logs = new ArrayList<>();

        private Session(DashboardServer server, Path logdir, boolean enabled, String mapsLayer) {
            this.server = server;
            this.logdir = logdir;
            this.enabled = enabled;
            this.mapsLayer = mapsLayer;
        }

        /**
         * The listener of one training run named {@code name}; {@code validation} (may be null) gives the sample
         * whose feature maps are drawn and the confusion matrix at the end.
         */
        TrainingListener run(String name, Dataset validation) {
            if (!enabled) {
                return new TrainingListener() {
                };
            }
            RunLog log;
            try {
                log = RunLog.create(logdir, name);
            } catch (IOException e) {
                // the JDK's FileSystemExceptions carry only the path (FileAlreadyExistsException: a file where a
                // folder was to be made); describe gives the cause in words and starts with the path it names
                String why = ErrorReporter.describe(e);
                throw new java.io.UncheckedIOException("--logdir " + (why.startsWith(logdir.toString()) ? why
                        : logdir + ": " + why), e);
            }
            logs.add(log);
            if (server != null) {
                server.addRun(log);
            }
            boolean pictures = validation != null && validation.size() > 0 && validation.inputShapes().size() == 1;
            return new DashboardListener(log, validation, pictures ? validation.sample(0) : null, mapsLayer);
        }

        /** Shows a confusion matrix computed after training in {@code listener}'s run (one from {@link #run}). */
        void confusion(TrainingListener listener, org.convnet4j.train.ConfusionMatrix cm, int samples) {
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
}
