package org.convnet4j.cli;

import org.convnet4j.io.weights.CacheReport;
import org.convnet4j.io.weights.Downloads;
import org.convnet4j.io.weights.ModelLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code convnet4j weights list}: the catalogue and the download cache (a subcommand of {@link WeightsCommand}). */
@Command(name = "list", resourceBundle = "org.convnet4j.cli.help.weights-list")
final class WeightsListCommand extends CliCommand {
    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        ModelLoader.Options o = ModelLoader.Options.defaults();
        Downloads d = o.downloads();
        out().print(json.given ? CacheReport.json(o.catalogue(), d) + System.lineSeparator()
                : CacheReport.text(o.catalogue(), d));
        return 0;
    }
}
