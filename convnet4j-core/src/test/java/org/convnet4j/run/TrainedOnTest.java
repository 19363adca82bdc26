package org.convnet4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
