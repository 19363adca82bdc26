package org.convnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.convnet4j.charts.TrainingCurves;
import org.convnet4j.transfer.TransferCase;
import org.convnet4j.transfer.TransferRun;

/** {@code transfer --plots DIR}: the curves of a run that trained by epochs (cases 2-4), or one line saying why not. */
final class TransferCurves {
    private TransferCurves() {
    }

    /** Before the work: a {@code --plots} that names a file would fail only after the training. */
    static void check(Path plots) {
        if (plots != null && Files.exists(plots) && !Files.isDirectory(plots)) {
            throw new BadInputException("--plots " + plots + ": is a file, not a directory");
        }
    }

    static void write(Path plots, TransferRun.Outcome r, PrintWriter info) throws IOException {
        TransferCase c = r.plan().transferCase();
        if (plots != null && c != TransferCase.BOTTLENECK && r.history().size() > 0) {
            Files.createDirectories(plots);
            Path png = plots.resolve("transfer-curves.png");
            TrainingCurves.write(r.history(), png);
            info.println("wrote " + png);
        } else if (plots != null) { // it wrote nothing and said nothing
            info.println("--plots: no curves: case " + c.number() + (c == TransferCase.PREDICT ? " trains nothing"
                    : " fits its classifier in one go: one history row (in --json), no curve")
                    + " (curves are drawn for cases 2-4)");
        }
    }
}
