package org.convnet4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.convnet4j.io.weights.CacheReport;
import org.convnet4j.io.weights.Downloads;
import org.convnet4j.io.weights.ModelLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code convnet4j weights list}: the catalogue and the download cache (a subcommand of {@link WeightsCommand}). */
@Command(name = "list", resourceBundle = "org.convnet4j.cli.help.weights-list",
        mixinStandardHelpOptions = true, versionProvider = VersionInfo.class)
final class WeightsListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ModelLoader.Options o = ModelLoader.Options.defaults();
        Downloads d = o.downloads();
        if (json.given) {
            out.println(CacheReport.json(o.catalogue(), d));
            return 0;
        }
        out.print(CacheReport.text(o.catalogue(), d));
        return 0;
    }
}
