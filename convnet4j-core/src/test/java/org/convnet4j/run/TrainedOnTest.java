package org.convnet4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** evaluate's warning when a model is measured on the folder it was trained on (what its file records). */
class TrainedOnTest {
    @Test
    void warnsOnlyForTheFolderTheFileRecords(@TempDir Path dir) throws Exception {
        Path mine = Files.createDirectories(dir.resolve("my pictures"));
        Path other = Files.createDirectories(dir.resolve("other"));
        String transfer = "{\"transfer\":{\"case\":2,\"data\":\"" + mine + "\",\"train_samples\":400,"
                + "\"test_samples\":100,\"test_accuracy\":0.93}}";
        assertEquals(Optional.of("mine.c4j was made by transfer from this folder (" + mine + "/.): 400 of its pictures"
                + " trained it, so accuracy on the whole folder overstates how it does on new pictures; transfer measured"
                + " 0.9300 on the 100 it held out. Evaluate a folder of other pictures."),
                TrainedOn.warning(transfer, "mine.c4j", mine + "/."));
        String train = "{\"cli_run\":{\"model\":\"lenet5\",\"data\":\"" + mine + "\",\"val_split\":0.1}}";
        assertTrue(TrainedOn.warning(train, "base.c4j", mine.toString()).orElseThrow()
                .startsWith("base.c4j was trained on this folder (" + mine + ": all but its validation split)"));
        // another folder, a built-in set, a recorded folder that is gone, no record, an unreadable description
        assertEquals(Optional.empty(), TrainedOn.warning(transfer, "mine.c4j", other.toString()));
        assertEquals(Optional.empty(), TrainedOn.warning(transfer, "mine.c4j", "fashion-mnist:5-9"));
        assertEquals(Optional.empty(), TrainedOn.warning("{\"cli_run\":{\"data\":\"fashion-mnist\"}}", "m.c4j",
                "fashion-mnist"));
        assertEquals(Optional.empty(), TrainedOn.warning(transfer.replace(mine.toString(), dir.resolve("gone").toString()),
                "mine.c4j", dir.resolve("gone").toString()));
        assertEquals(Optional.empty(), TrainedOn.warning("{\"architecture\":{}}", "m.c4j", mine.toString()));
        assertEquals(Optional.empty(), TrainedOn.warning("not json", "m.c4j", mine.toString()));
    }

    @Test
    void warnsForAFusionModelOnTheFoldersItsFileRecordsForThoseInputs(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("rgb"));
        Path b = Files.createDirectories(dir.resolve("depth"));
        Path other = Files.createDirectories(dir.resolve("other"));
        String fused = "{\"fusion\":{\"mode\":\"early\",\"inputs\":{\"rgb\":\"" + a + "\",\"depth\":\"" + b + "\"},"
                + "\"train_samples\":90,\"val_samples\":10,\"val_accuracy\":0.8}}";
        assertEquals(Optional.of("fused.c4j was trained on these folders (rgb=" + a + ", depth=" + b + "): 90 of their"
                + " pictures trained it, so accuracy on them overstates how it does on new pictures; fuse measured 0.8000"
                + " on the 10 it held out. Evaluate folders of other pictures."),
                TrainedOn.fusionWarning(fused, "fused.c4j", inputs("rgb", a.toString(), "depth", b.toString())));
        // one input on its training folder is enough to overstate; an input given another input's folder is not
        assertTrue(TrainedOn.fusionWarning(fused, "fused.c4j", inputs("rgb", a + "/.", "depth", other.toString()))
                .orElseThrow().startsWith("fused.c4j was trained on this folder (rgb=" + a + "/.): 90 of its pictures"));
        assertEquals(Optional.empty(), TrainedOn.fusionWarning(fused, "fused.c4j",
                Map.of("rgb", b.toString(), "depth", a.toString())));
        // a file saved before the counts were recorded still warns, without them
        String older = "{\"fusion\":{\"mode\":\"early\",\"inputs\":{\"rgb\":\"" + a + "\",\"depth\":\"" + b + "\"}}}";
        assertEquals(Optional.of("m.c4j was trained on these folders (rgb=" + a + ", depth=" + b + "): most of their"
                + " pictures trained it, so accuracy on them overstates how it does on new pictures. Evaluate folders of"
                + " other pictures."), TrainedOn.fusionWarning(older, "m.c4j",
                        inputs("rgb", a.toString(), "depth", b.toString())));
        // built-in sources (their test part), no fusion record, an unreadable description
        assertEquals(Optional.empty(), TrainedOn.fusionWarning("{\"fusion\":{\"inputs\":{\"pixels\":\"fashion-mnist\","
                + "\"edges\":\"fashion-mnist:sobel\"}}}", "m.c4j", Map.of("pixels", "fashion-mnist", "edges",
                        "fashion-mnist:sobel")));
        assertEquals(Optional.empty(), TrainedOn.fusionWarning("{\"cli_run\":{\"data\":\"" + a + "\"}}", "m.c4j",
                Map.of("rgb", a.toString())));
        assertEquals(Optional.empty(), TrainedOn.fusionWarning("not json", "m.c4j", Map.of("rgb", a.toString())));
    }

    /** NAME, SOURCE, ... in that order, as evaluate passes the sources. */
    private static Map<String, String> inputs(String... nameSource) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameSource.length; i += 2) {
            m.put(nameSource[i], nameSource[i + 1]);
        }
        return m;
    }
}
