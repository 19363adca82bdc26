package org.convnet4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.io.weights.DownloadBar;
import org.convnet4j.io.weights.ModelLoader;
import org.convnet4j.io.weights.TransferBase;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.util.ProgressOutput;

/**
 * A {@code --model}/{@code --base} argument: a file, an http(s) URL or a catalogue name ({@code resnet18:imagenet}),
 * read by {@link ModelLoader#load(String, ModelLoader.Options)} with a download progress bar on stderr, and a note on
 * stderr saying which preprocessing was chosen when the file did not say (ONNX) or an option replaced it.
 */
public final class ModelArgument {
    private ModelArgument() {
    }

    /** Notes about loaded models not printed yet: a command that then fails prints only its one error line. */
    private static final ThreadLocal<List<String>> NOTES = ThreadLocal.withInitial(ArrayList::new);

    /** Prints the notes held so far (a command calls it once its model is known to work; Main after a success). */
    static void flushNotes(PrintWriter err) {
        for (String note : NOTES.get()) {
            err.println(note);
        }
        err.flush();
        NOTES.remove();
    }

    /** Holds the note that {@code reference}'s preprocessing was chosen ({@code chosen}; nothing if null). */
    static void notePreprocessing(String reference, String chosen) {
        if (chosen != null) {
            NOTES.get().add("note: " + reference + ": preprocessing " + chosen);
        }
    }

    /** Forgets the notes held (the command failed: its error is the one line it prints). */
    static void dropNotes() {
        NOTES.remove();
    }

    /** The download bar of every command: on standard error, as {@link ProgressOutput.Mode#forStderr()} says. */
    static DownloadBar downloadBar() {
        return new DownloadBar(System.err, ProgressOutput.Mode.forStderr());
    }

    /** {@code reference}'s model as written, the network alone (export, inspect, infer, summary). */
    static Model model(String reference) throws IOException {
        return load(reference, null, null, null).model();
    }

    static SavedModel load(String reference, String architecture, Shape input, String preprocessing)
            throws IOException {
        try (DownloadBar bar = downloadBar()) {
            ModelLoader.Options o = ModelLoader.Options.defaults().withArchitecture(architecture, input)
                    .withPreprocessing(preprocessing).withProgress(bar);
            SavedModel m = ModelLoader.load(reference, o);
            // held until the command has checked the model (flushNotes), so that a failure stays one line
            notePreprocessing(reference, ModelLoader.chosenPreprocessing(m));
            return m;
        }
    }

    /** {@code reference} made local ({@link ModelLoader#resolve}): a URL or catalogued name downloaded, with a bar. */
    static Path resolve(String reference) throws IOException {
        try (DownloadBar bar = downloadBar()) {
            return ModelLoader.resolve(reference, ModelLoader.Options.defaults().withProgress(bar)).file();
        }
    }

    /** A {@code --base} argument ({@link TransferBase#load}), with a bar and the note; its refusals name the option. */
    static TransferBase base(String reference, String preprocessing) throws IOException {
        try (DownloadBar bar = downloadBar()) {
            ModelLoader.Options o = ModelLoader.Options.defaults().withPreprocessing(preprocessing).withProgress(bar);
            TransferBase b = BadInputException.prefixed("--base ", () -> TransferBase.load(reference, o));
            notePreprocessing(reference, b.chosenPreprocessing());
            return b;
        }
    }

    /**
     * The data specs among a command's picture arguments ({@code fashion-mnist:5-9} where no such file exists) and its
     * {@code --data}, each checked ({@link DataSpec#requireAvailable}: a bad class list or a missing folder is one
     * line, before any download or model load); {@code --limit} counts pictures per class of those, so it needs one.
     */
    static List<String> dataSpecs(String data, List<Path> arguments, Integer limit) {
        List<String> specs = new ArrayList<>();
        if (data != null) {
            specs.add(data);
        }
        arguments.stream().map(Path::toString).filter(DataSpec::isBuiltInSpec).forEach(specs::add);
        if (limit != null && (limit < 1 || specs.isEmpty())) {
            throw new BadInputException(limit < 1 ? "--limit must be at least 1 picture per class, got " + limit
                    : "--limit counts pictures per class of --data (or a SPEC argument); IMAGE and DIR arguments are"
                    + " all used");
        }
        specs.forEach(s -> DataSpec.of(s).requireAvailable());
        return specs;
    }
}
