package org.convnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.convnet4j.data.Dataset;
import org.convnet4j.serve.TrainingDashboard;
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

    @Option(names = "--ui-maps", paramLabel = "LAYER")
    String mapsLayer;

    @Option(names = "--logdir", paramLabel = "DIR")
    Path logdir;

    /** The dashboard of one command: nothing when neither option was given. */
    Session open(PrintWriter out) throws IOException {
        if (uiPort != null && (uiPort < 0 || uiPort > 65535)) {
            throw new BadInputException("--ui: port " + uiPort + " is not 0..65535");
        }
        if (mapsLayer != null && uiPort == null && logdir == null) {
            throw new BadInputException("--ui-maps needs --ui or --logdir");
        }
        TrainingDashboard d = TrainingDashboard.open(uiPort, logdir, mapsLayer);
        if (d.url() != null) {
            out.println("Dashboard: " + d.url() + "/ (while this command runs"
                    + (logdir != null ? "; afterwards: convnet4j ui --logdir " + logdir : "") + ")");
            out.flush();
        }
        return new Session(d, logdir);
    }

    /** The library's {@link TrainingDashboard}, whose folder errors name --logdir. */
    record Session(TrainingDashboard dashboard, Path logdir) implements AutoCloseable {
        /** A run whose confusion matrix is computed on {@code data}, named {@code dataName} on the page. */
        TrainingListener run(String name, Dataset data, String dataName) {
            try {
                return dashboard.run(name, data, dataName);
            } catch (java.io.UncheckedIOException e) {
                // the JDK's FileSystemExceptions carry only the path (FileAlreadyExistsException: a file where a
                // folder was to be made); describe gives the cause in words and starts with the path it names
                String why = ErrorReporter.describe(e.getCause());
                throw new java.io.UncheckedIOException("--logdir " + (why.startsWith(logdir.toString()) ? why
                        : logdir + ": " + why), e.getCause());
            }
        }

        @Override
        public void close() throws IOException {
            dashboard.close();
        }
    }
}
