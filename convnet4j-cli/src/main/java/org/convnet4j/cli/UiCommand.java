package org.convnet4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.convnet4j.serve.DashboardServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The training dashboard over the runs of a log directory, until Ctrl-C. */
@Command(name = "ui", resourceBundle = "org.convnet4j.cli.help.ui", sortOptions = false)
final class UiCommand extends CliCommand {
    @Option(names = "--logdir", required = true, paramLabel = "DIR")
    Path logdir;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + DashboardOptions.DEFAULT_PORT)
    int port;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1")
    String host;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(logdir)) {
            throw new BadInputException("--logdir " + logdir + ": no such directory");
        }
        DashboardServer server = DashboardServer.start(host, port, logdir);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "convnet4j-ui-shutdown"));
        out().println("Dashboard of " + logdir + ": " + server.url() + "/ ; Ctrl-C stops");
        out().flush();
        stopped.await();
        return 0;
    }
}
