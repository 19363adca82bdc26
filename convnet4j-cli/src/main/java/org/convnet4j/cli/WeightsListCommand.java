package org.convnet4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.convnet4j.io.weights.CacheReport;
import org.convnet4j.io.weights.Downloads;
import org.convnet4j.io.weights.ModelLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code convnet4j weights list}: the catalogue and the download cache (a subcommand of {@link WeightsCommand}). */
@Command(name = "list", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = {"The catalogue: name, file, parameters, approximate file size, preprocessing, and where the"
            + " file is cached; then the files fetched from other URLs (weights/urls/): URL, size, SHA-256, format,"
            + " and interrupted downloads.",
            "Caches consulted for a catalogued file, in this order: convnet4j's ($CONVNET4J_CACHE/weights),"
            + " torchvision's ($TORCH_HOME/hub/checkpoints; default $XDG_CACHE_HOME/torch or ~/.cache/torch) and"
            + " Keras' ($KERAS_HOME/models; default ~/.keras). A copy found in torchvision's or Keras' cache is"
            + " copied into convnet4j's when first needed, if its checksum matches (no download, also offline);"
            + " the CACHED column says where each file is."})
final class WeightsListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the catalogue as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ModelLoader.Options o = ModelLoader.Options.defaults();
        Downloads d = o.downloads();
        if (json) {
            out.println(CacheReport.json(o.catalogue(), d));
            return 0;
        }
        out.print(CacheReport.text(o.catalogue(), d));
        return 0;
    }
}
