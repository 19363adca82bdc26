package org.convnet4j.io.weights;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.convnet4j.internal.json.Json;
import org.convnet4j.checkpoint.Checkpoint;
import org.convnet4j.checkpoint.FileFormatException;
import org.convnet4j.checkpoint.SafeTensors;
import org.convnet4j.imagenet.ImageNet;
import org.convnet4j.io.keras.KerasApplications;
import org.convnet4j.io.keras.KerasH5File;
import org.convnet4j.io.onnx.OnnxImporter;
import org.convnet4j.io.onnx.OnnxModel;
import org.convnet4j.io.onnx.OnnxProgram;
import org.convnet4j.io.onnx.OnnxReader;
import org.convnet4j.io.torch.PthFile;
import org.convnet4j.io.torch.StateDict;
import org.convnet4j.io.torch.TorchArchitectures;
import org.convnet4j.io.torch.TorchWeights;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.SavedModel;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.tensor.Shape;
import org.convnet4j.train.TrainingCheckpoints;
import org.convnet4j.util.MemoryBudget;
import org.convnet4j.zoo.ModelZoo;

/**
 * Any model file we can read, as a model with class names and preprocessing:
 * <ul>
 *   <li>{@code .c4j} (or a convnet4j safetensors checkpoint): {@link ModelFiles#read};</li>
 *   <li>{@code .onnx}: imported into a graph ({@link OnnxImporter}); preprocessing guessed by
 *       {@link OnnxPreprocessing} (torchvision's for a PyTorch export of an RGB model, else pixels / 255);</li>
 *   <li>{@code .h5}/{@code .hdf5}: Keras weights of VGG16/19, ResNet50 or InceptionV3
 *       ({@link KerasApplications}), Keras' preprocessing ("caffe", InceptionV3 "tf");</li>
 *   <li>other {@code .safetensors}: a torchvision state dict ({@link TorchWeights}), torchvision's
 *       preprocessing;</li>
 *   <li>{@code .pth}/{@code .pt} (torch.save's zip or legacy format, any extension): a torchvision state dict read by
 *       a restricted unpickler ({@link PthFile}), torchvision's preprocessing.</li>
 * </ul>
 * Imported models with 1000 outputs get the ImageNet class names. Our zoo models end in logits, as Keras'
 * would without their final softmax; {@link ImageClassifier} applies the softmax, so both print probabilities.
 */
public final class ModelLoader {
    private ModelLoader() {
    }

    /** As {@link #load(Path, String, Shape)} with the architecture guessed and the input size inferred. */
    public static SavedModel load(Path file) throws IOException {
        return load(file, null, null);
    }

    /**
     * Reads {@code file}; {@code architecture} (a zoo name) and {@code input} ([C, H, W]) override what is
     * guessed for weight-only files (ignored for .c4j files, which carry their architecture). For an ONNX file
     * {@code input} fixes the per-sample shape of its one input ({@link OnnxModel.Model#withSampleShape}: symbolic
     * axes take the given sizes, fixed ones must equal them).
     */
    public static SavedModel load(Path file, String architecture, Shape input) throws IOException {
        return load(file, architecture, input, false);
    }

    /**
     * An ONNX file read as every command reads one ({@link #load}, {@code inspect}, {@code infer}'s typed path,
     * {@code bench}): a folder refused by name, a file with an official name checked against its published checksum,
     * then {@link OnnxReader#readModel}: every declared length against the bytes really there, all tensors and their
     * external data within the memory budget, external data only from the model's own folder, and NaN in no stored
     * value (docs/ROBUSTNESS.md, "NaN and infinities in model files"). {@link #importOnnx} and
     * {@link #importOnnxProgram} turn the result into layers with the same checks {@link #load} makes.
     */
    public static OnnxModel.Model readOnnx(Path file) throws IOException {
        requireModelFile(file, false);
        return OnnxReader.readModel(file);
    }

    /**
     * The float layers of an ONNX model read by {@link #readOnnx} ({@link OnnxImporter#importModel}: every parameter
     * within the memory budget before it is allocated), refused in one line naming {@code file} and the weight when a
     * learned weight or a buffer is NaN or infinite ({@link TrainingCheckpoints#requireFinite(java.util.Map, String)}).
     *
     * @throws org.convnet4j.io.onnx.UnsupportedOnnxException when the float layers cannot hold the model
     */
    public static Graph importOnnx(OnnxModel.Model onnx, Path file) {
        Graph g = OnnxImporter.importModel(onnx, file.toString());
        // Keras and PyTorch weights are checked as they are read (WeightLoadPlan), named as their file names them;
        // an ONNX file's become the parameters of the layers its nodes turn into (a Conv's kernel, an Add's operand)
        TrainingCheckpoints.requireFinite(g.stateDict(), file.toString());
        return g;
    }

    /**
     * As {@link #importOnnx} for the typed path ({@link OnnxImporter#importProgram}: integer, boolean and string
     * values), {@code name} naming the model in messages: the float graph's weights and the typed path's learned ones
     * must be finite.
     */
    public static OnnxProgram importOnnxProgram(OnnxModel.Model onnx, String name) {
        OnnxProgram program = OnnxImporter.importProgram(onnx, name);
        TrainingCheckpoints.requireFinite(program.stateDict(), name);
        return program;
    }

    /** A folder refused by name; unless {@code verified}, a file with an official name hashed against its checksum. */
    private static void requireModelFile(Path file, boolean verified) throws IOException {
        if (java.nio.file.Files.isDirectory(file)) {
            // else the first read says only "Is a directory", without the path
            throw new FileFormatException(file + ": a directory, not a model file (.c4j, .onnx, .h5, .safetensors,"
                    + " .pth)");
        }
        if (!verified) {
            PublishedChecksums.verify(file);
        }
    }

    /** {@code verified}: the file was checked on download, a file with an official name is not hashed again. */
    private static SavedModel load(Path file, String architecture, Shape input, boolean verified) throws IOException {
        requireModelFile(file, verified);
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".h5") || name.endsWith(".hdf5") || name.endsWith(".keras.h5")) {
            try (KerasH5File h5 = KerasH5File.open(file)) {
                KerasApplications.Imported imp = KerasApplications.load(h5, architecture, input);
                return imported(file, "keras_h5", imp.architecture(), imp.model(), imp.preprocessing());
            }
        }
        if (name.endsWith(".onnx")) {
            OnnxModel.Model onnx = OnnxReader.readModel(file); // readOnnx's reading (requireModelFile is done)
            if (input != null) {
                // symbolic height/width (or other non-batch axes): fixed for the import (withSampleShape)
                List<String> runtime = OnnxImporter.runtimeInputs(onnx);
                if (runtime.size() != 1) {
                    throw new IllegalArgumentException(file + ": an input shape applies to a model with one input, this"
                            + " one has " + runtime);
                }
                onnx = onnx.withSampleShape(runtime.get(0), input.dims());
            }
            Model model;
            String typed = null;
            try {
                model = importOnnx(onnx, file);
            } catch (org.convnet4j.io.onnx.UnsupportedOnnxException e) {
                // what the float layers refuse (a Gemm after a Softmax across the batch, 3-D windows, ...) may run on
                // the typed path: the whole program as one layer, trainable as any other
                try {
                    model = org.convnet4j.io.onnx.OnnxProgramLayer.of(onnx, file.toString());
                } catch (org.convnet4j.util.MemoryBudget.ModelTooLargeException tooLarge) {
                    // it would run on the typed path, but not in this much memory: that is what the user can act on
                    tooLarge.addSuppressed(e);
                    throw tooLarge;
                } catch (RuntimeException notEither) {
                    if (notEither instanceof IllegalArgumentException
                            && String.valueOf(e.getMessage()).contains("runs on the typed path only")) {
                        // the file needs the typed path (ONNX-ML operators): its refusal says what is amiss
                        notEither.addSuppressed(e);
                        throw notEither;
                    }
                    e.addSuppressed(notEither);
                    throw e;
                }
                org.convnet4j.io.onnx.OnnxProgramLayer layer = (org.convnet4j.io.onnx.OnnxProgramLayer)
                        ((org.convnet4j.nn.Sequential) model).layers().get(0);
                typed = layer.program().typedNodeCount() + " nodes on the typed path (" + e.getMessage() + ")";
                // an ONNX-ML classifier head's labels (classlabels_strings or its integers) name the output's columns
                List<String> labels = layer.classLabels();
                if (labels != null && model.outputShape().rank() == 1 && model.outputShape().dim(0) == labels.size()) {
                    model.setClassNames(labels);
                }
                // the typed path's learned weights too, as importOnnx and importOnnxProgram check theirs
                TrainingCheckpoints.requireFinite(model.stateDict(), file.toString());
            }
            OnnxPreprocessing.Guess g = OnnxPreprocessing.guess(onnx, model);
            SavedModel m = withOnnxTensorNames(imported(file, "onnx", null, model, g == null ? null : g.preprocessing()),
                    onnx);
            if (g != null) {
                m = withImportNote(m, CHOSEN, g.reason());
            }
            if (typed != null) {
                m = withImportNote(m, "typed_path", typed);
            }
            return m;
        }
        boolean pickle = PthFile.isPickle(file);
        if (!pickle && (name.endsWith(".c4j") || isConvnet4j(file))) {
            // the file carries its preprocessing: a choice made when it was imported is a record, not news
            return recorded(ModelFiles.read(file));
        }
        if (pickle || name.endsWith(".safetensors")) {
            StateDict sd = pickle ? PthFile.open(file) : StateDict.safetensors(file);
            TorchArchitectures.Detected d = TorchArchitectures.detect(sd, architecture, input);
            Model model;
            // all its parameters (their values; training charges gradients) within the memory budget, refused naming the file before the
            // one that crosses it is allocated (the estimate in detect() is an early, rougher check)
            try (MemoryBudget.ModelBuild counted = MemoryBudget.startModelBuild(file.toString(),
                    TorchArchitectures.storedBytes(sd.shapes()))) {
                model = ModelZoo.build(d.architecture(), d.options());
            }
            TorchWeights.load(sd, model);
            Shape in = model.inputShapes().get(0);
            SavedModel m = imported(file, pickle ? "torch_pth" : "torch_safetensors", d.architecture(), model,
                    torchvisionPreprocessing(d.architecture(), in));
            if (transformsInput(d.architecture())) {
                m = withImportNote(m, CHOSEN, "torchvision's pretrained " + d.architecture()
                        + " is built with transform_input=True: its ImageNet-normalised input becomes"
                        + " (x/255 - 0.5) / 0.5, applied here directly");
            }
            return m;
        }
        if (name.endsWith(".pth") || name.endsWith(".pt")) {
            // named as a PyTorch file, but neither torch.save format: say so rather than "unknown type"
            throw new FileFormatException(file + ": not a PyTorch file: neither a zip archive (torch.save since torch"
                    + " 1.6) nor a pickle (older torch.save); damaged, or not what its name says");
        }
        throw new FileFormatException(file + ": unknown model file type; convnet4j reads .c4j, ONNX .onnx,"
                + " Keras .h5, PyTorch .pth/.pt and .safetensors");
    }

    /**
     * How {@link #load(String, Options)} reads a reference: {@code architecture} (zoo name) and {@code input}
     * override what is guessed for weight files; {@code preprocessing} (a {@link PreprocessingSpec}) replaces the
     * file's own; {@code progress} hears about downloads.
     */
    public record Options(String architecture, Shape input, String preprocessing, Downloads downloads,
                          WeightsCatalogue catalogue, Downloads.Progress progress) {
        /** Settings from the environment ({@link Downloads.Config#fromEnvironment()}), nothing overridden. */
        public static Options defaults() throws IOException {
            Downloads.Config c = Downloads.Config.fromEnvironment();
            return new Options(null, null, null, new Downloads(c), WeightsCatalogue.builtIn()
                    .withOverrides(c.catalogueOverride()), Downloads.Progress.NONE);
        }

        public Options withArchitecture(String arch, Shape in) {
            return new Options(arch, in, preprocessing, downloads, catalogue, progress);
        }

        public Options withPreprocessing(String spec) {
            return new Options(architecture, input, spec, downloads, catalogue, progress);
        }

        public Options withProgress(Downloads.Progress p) {
            return new Options(architecture, input, preprocessing, downloads, catalogue, p);
        }
    }

    /** A reference made local: the file, and the catalogue entry it came from (or null). */
    public record Resolved(Path file, WeightsCatalogue.Entry entry, boolean downloaded) {
    }

    /**
     * A model reference to a local file: a path; an {@code http(s)://} URL (downloaded into the cache; checked
     * against the SHA-256 prefix in a torch.hub-style name, the catalogue's checksum for a catalogued file name, or
     * Keras' MD5); or a catalogue name such as {@code resnet18:imagenet} (downloaded and verified). An existing file
     * wins over a catalogue name of the same spelling.
     */
    public static Resolved resolve(String reference, Options o) throws IOException {
        return resolve(reference, o, false);
    }

    /** {@code forLoading}: refuse, before downloading, catalogued files the zoo cannot load. */
    private static Resolved resolve(String reference, Options o, boolean forLoading) throws IOException {
        String ref = reference.trim();
        String lower = ref.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            String name = Downloads.fileNameOf(ref);
            WeightsCatalogue.Entry e = o.catalogue().byFile(name);
            Checksum sum = e != null ? e.checksum() : Checksum.fromFileName(name);
            if (sum == null && PublishedChecksums.KERAS_MD5.containsKey(name)) {
                sum = new Checksum("MD5", PublishedChecksums.KERAS_MD5.get(name));
            }
            if (e != null && e.url().equals(ref)) {
                // the catalogued file's official URL: the catalogue's cache entry (and the mirror, if set)
                return new Resolved(o.downloads().fetch(e.url(), e.file(), e.checksum(), o.progress()), e, true);
            }
            // any other URL is cached by URL, so equal file names from different places never collide; the mirror
            // stands in only for the official download locations (where the catalogue's files come from)
            return new Resolved(o.downloads().fetchUrl(ref, sum, o.catalogue().isOfficialLocation(ref), o.progress()),
                    e, sum != null);
        }
        if (lower.contains("://")) {
            throw new IllegalArgumentException(ref + ": only http:// and https:// URLs are fetched");
        }
        Path file = Path.of(ref);
        if (!Files.exists(file) && (lower.matches("[a-z][a-z0-9+.-]+:/.*") || lower.matches("https?(//|:).*"))) {
            // https:/host/x, https//host/x, http:host/x: meant as a URL (as a path, // would even be collapsed)
            throw new IllegalArgumentException(ref + ": not a valid URL (write http://HOST/PATH or https://HOST/PATH)"
                    + " and no such file");
        }
        if (!Files.exists(file) && WeightsCatalogue.looksLikeName(ref)) {
            WeightsCatalogue.Entry e = o.catalogue().require(ref);
            if (forLoading && !e.loadable()) {
                throw new IllegalArgumentException(e.name() + " (" + e.file() + ") cannot be loaded: " + e.note());
            }
            return new Resolved(o.downloads().fetch(e.url(), e.file(), e.checksum(), o.progress()), e, true);
        }
        return new Resolved(file, null, false);
    }

    /**
     * Whether {@code reference} names a model to {@link #load} (an existing file or folder, a {@code .c4j} file, a URL,
     * a catalogue name such as {@code resnet18:imagenet}) rather than an architecture of the zoo ({@code resnet18}):
     * how {@link TransferBase#load} and {@code convnet4j summary} tell the two apart. A missing {@code .c4j} file is a
     * model file, so that its error says so.
     */
    public static boolean isModelReference(String reference) {
        String ref = reference.strip();
        if (ref.endsWith(".c4j") || ref.contains("://") || WeightsCatalogue.looksLikeName(ref)) {
            return true;
        }
        try {
            return Files.exists(Path.of(ref));
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /**
     * Where {@link #resolve} keeps {@code reference} (a catalogued name or an http(s) URL) in the cache, whether or not
     * it is there, without any network access: the catalogued file's {@code weights/NAME} (also for its official URL),
     * else {@link Downloads#cachedUrl}. Anything else is refused: a local file is not the cache's to delete.
     */
    public static Path cachedPath(String reference, Options o) throws IOException {
        String ref = reference.trim();
        String lower = ref.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            WeightsCatalogue.Entry e = o.catalogue().byFile(Downloads.fileNameOf(ref));
            return e != null && e.url().equals(ref) ? o.downloads().cached(e.file()) : o.downloads().cachedUrl(ref);
        }
        if (WeightsCatalogue.looksLikeName(ref)) {
            return o.downloads().cached(o.catalogue().require(ref).file());
        }
        throw new IllegalArgumentException("'" + ref + "' is neither a catalogued name (convnet4j weights list) nor an"
                + " http(s) URL");
    }

    /**
     * One file {@link #removeFromCache} was asked to remove: the reference it was named by (for a URL download found
     * by {@code allUrlDownloads}, its path in the cache), where it is kept, the bytes freed (its record and a partial
     * download included), and whether anything of it was there.
     */
    public record Removal(String reference, Path file, long freedBytes, boolean wasCached) {
    }

    /**
     * Removes {@code references} (catalogued names or http(s) URLs, {@link #cachedPath}) from the download cache, and
     * with {@code allUrlDownloads} every file fetched by URL besides (finished or partial, {@link
     * Downloads#urlDownloads}) not named already, in that order. Every reference is checked before anything is deleted: one
     * that is neither is an {@link IllegalArgumentException} and nothing is removed. Local files are never touched.
     */
    public static List<Removal> removeFromCache(List<String> references, boolean allUrlDownloads, Options o)
            throws IOException {
        List<String> named = new java.util.ArrayList<>(references);
        List<Path> targets = new java.util.ArrayList<>();
        for (String r : references) {
            targets.add(cachedPath(r, o));
        }
        if (allUrlDownloads) {
            for (Downloads.CachedFile f : o.downloads().urlDownloads()) {
                if (!targets.contains(f.target())) { // a finished and a partial download of one URL: one target
                    targets.add(f.target());
                    named.add(f.target().toString());
                }
            }
        }
        List<Removal> removed = new java.util.ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            Path t = targets.get(i);
            long freed = o.downloads().remove(t);
            removed.add(new Removal(named.get(i), t, freed, freed > 0 || Files.exists(t)));
        }
        return removed;
    }

    /**
     * Reads a model reference ({@link #resolve}): a catalogued file gets its entry's architecture and preprocessing,
     * {@code o.preprocessing()} replaces whatever the file or entry says.
     */
    public static SavedModel load(String reference, Options o) throws IOException {
        Resolved r = resolve(reference, o, true);
        WeightsCatalogue.Entry e = r.entry();
        String arch = o.architecture() != null ? o.architecture() : e != null ? e.architecture() : null;
        // a local file with a catalogued name (the user's entries included) is checked against its entry's checksum
        boolean verified = r.downloaded() || Files.isDirectory(r.file()) || PublishedChecksums.verify(r.file(),
                o.catalogue());
        SavedModel m = load(r.file(), arch, o.input(), verified);
        if (e != null) {
            checkClasses(e, r.file(), m.model());
        }
        String spec = o.preprocessing() != null ? o.preprocessing() : e != null ? e.preprocessing() : null;
        if (spec != null && m.model().inputShapes().size() == 1) {
            Preprocessing p = PreprocessingSpec.parse(spec, m.model().inputShapes().get(0));
            JsonObject d = Json.parseObject(m.description(), "description");
            d.add(Preprocessing.KEY, Json.parseObject(p.toJson(), "preprocessing"));
            if (d.has("imported_from")) {
                d.getAsJsonObject("imported_from").addProperty(CHOSEN, (o.preprocessing() != null
                        ? "--preprocessing " : "catalogue entry " + e.name() + ": ") + spec);
            }
            m = new SavedModel(m.model(), p, Json.toCompact(d));
        }
        if (e != null) {
            m = withImportNote(m, "catalogue", e.name());
        }
        return m;
    }

    /**
     * The catalogue entry's classes against the model read from its file: ImageNet's 1,000 or the entry's listed names
     * must be the model's output count (else one line naming the entry, the file and both counts: a wrong entry would
     * otherwise print class indices, or the wrong names, without a word); listed names become the model's.
     */
    static void checkClasses(WeightsCatalogue.Entry e, Path file, Model model) {
        int expected = e.expectedOutputs();
        if (expected < 0) {
            return;
        }
        Shape out = model.outputShape();
        if (out.rank() != 1 || out.dim(0) != expected) {
            String says = e.classes().equals(WeightsCatalogue.IMAGENET) ? "ImageNet's " + expected + " classes"
                    : expected + " class names";
            String has = out.rank() == 1 ? out.dim(0) + " outputs" : "outputs of shape " + out;
            throw new IllegalArgumentException("catalogue entry " + e.name() + " says " + says + ", but its file "
                    + file.getFileName() + " has " + has + "; fix the entry's \"classes\" (\"imagenet\", \"none\""
                    + " or a list of " + (out.rank() == 1 ? out.dim(0) + " " : "") + "names)");
        }
        if (e.classes().equals(WeightsCatalogue.LISTED)) {
            model.setClassNames(e.classNames());
        }
    }

    /**
     * torchvision builds its pretrained GoogLeNet and Inception v3 with {@code transform_input=True}: the model takes
     * ImageNet-normalised pictures and turns each channel back into {@code (x/255 - 0.5) / 0.5} before its first
     * conv. Our zoo models have no such step, so their weights get that normalisation as preprocessing.
     */
    static boolean transformsInput(String architecture) {
        return "googlenet".equals(architecture) || "inception_v3".equals(architecture);
    }

    /**
     * torchvision's preprocessing for a state dict of {@code architecture}: ImageNet mean/std, shorter side to
     * 256/224 of the input, centre crop; {@code (x/255 - 0.5) / 0.5} instead of mean/std for GoogLeNet and Inception
     * v3 ({@link #transformsInput}).
     */
    public static Preprocessing torchvisionPreprocessing(String architecture, Shape input) {
        Preprocessing p = ImageNet.Mode.TORCH.forSize(input.dim(1), input.dim(2));
        if (!transformsInput(architecture)) {
            return p;
        }
        float[] half = {0.5f, 0.5f, 0.5f};
        return new Preprocessing(3, input.dim(1), input.dim(2), 1f / 255f, half, half, false, p.resizeShorter());
    }

    /**
     * The key of an imported model's "imported_from" saying which preprocessing was chosen while reading it, because
     * the file did not say (ONNX) or an option or catalogue entry set it: {@link #chosenPreprocessing} reports it.
     */
    public static final String CHOSEN = "preprocessing_chosen";

    /**
     * The same choice once the model is saved with its preprocessing ({@link #save}): kept as a record of where the
     * preprocessing came from, and not reported again when the file is read.
     */
    public static final String CHOSEN_AT_IMPORT = "preprocessing_chosen_at_import";

    /**
     * What was chosen for {@code m}'s preprocessing while it was loaded, or null: set when an ONNX file's preprocessing
     * was guessed, a GoogLeNet / Inception v3 state dict got torchvision's transform_input folded in, or an option
     * replaced the file's; null for a model file that carries its own (a {@code .c4j}, also one imported earlier,
     * whose choice was recorded then) and for a catalogued name (its entry says what it is). Commands print it once, as a note.
     */
    public static String chosenPreprocessing(SavedModel m) {
        JsonObject d = Json.parseObject(m.description(), "description");
        if (!d.has("imported_from") || !d.get("imported_from").isJsonObject()) {
            return null;
        }
        JsonObject from = d.getAsJsonObject("imported_from");
        if (!from.has(CHOSEN) || from.has("catalogue")) {
            return null;
        }
        return from.get(CHOSEN).getAsString();
    }

    /**
     * The architecture of {@code m}: the zoo architecture another framework's weights were read into
     * ({@code resnet50} for a torchvision state dict), else the model's own name.
     */
    public static String architecture(SavedModel m) {
        JsonObject d = Json.parseObject(m.description(), "description");
        JsonObject from = d.has("imported_from") && d.get("imported_from").isJsonObject()
                ? d.getAsJsonObject("imported_from") : new JsonObject();
        return from.has("zoo_architecture") ? from.get("zoo_architecture").getAsString() : m.model().name();
    }

    /**
     * Saves a loaded model as a {@code .c4j} ({@link ModelFiles#save}) with its preprocessing and where it was
     * imported from; a preprocessing chosen while loading ({@link #chosenPreprocessing}) is stored as the model's
     * preprocessing and recorded under {@link #CHOSEN_AT_IMPORT}, so reading the file later reports nothing.
     */
    public static void save(SavedModel m, Path file) throws IOException {
        SavedModel r = recorded(m);
        JsonObject d = Json.parseObject(r.description(), "description");
        java.util.Map<String, Object> extra = new java.util.LinkedHashMap<>();
        if (d.has("imported_from")) {
            extra.put("imported_from", new org.convnet4j.model.RawJson(Json.toCompact(d.get("imported_from"))));
        }
        ModelFiles.save(m.model(), file, m.preprocessing(), extra);
    }

    /** {@code m} with a {@link #CHOSEN} note turned into the {@link #CHOSEN_AT_IMPORT} record (same otherwise). */
    private static SavedModel recorded(SavedModel m) {
        JsonObject d = Json.parseObject(m.description(), "description");
        if (!d.has("imported_from") || !d.get("imported_from").isJsonObject()
                || !d.getAsJsonObject("imported_from").has(CHOSEN)) {
            return m;
        }
        JsonObject from = d.getAsJsonObject("imported_from");
        from.add(CHOSEN_AT_IMPORT, from.remove(CHOSEN));
        return new SavedModel(m.model(), m.preprocessing(), Json.toCompact(d));
    }

    /**
     * The ONNX graph's own names of the tensors fed at run time and of its outputs, kept in the description's
     * {@code imported_from} as {@code "inputs"} and {@code "outputs"} (so a {@code .c4j} written from it keeps them):
     * a model server names the model's tensors as the exporter did (a Triton or KServe client sends those names).
     */
    private static SavedModel withOnnxTensorNames(SavedModel m, OnnxModel.Model onnx) {
        JsonObject d = Json.parseObject(m.description(), "description");
        com.google.gson.JsonArray inputs = new com.google.gson.JsonArray();
        OnnxImporter.runtimeInputs(onnx).forEach(inputs::add);
        com.google.gson.JsonArray outputs = new com.google.gson.JsonArray();
        onnx.graph().outputs().forEach(v -> outputs.add(v.name()));
        d.getAsJsonObject("imported_from").add("inputs", inputs);
        d.getAsJsonObject("imported_from").add("outputs", outputs);
        return new SavedModel(m.model(), m.preprocessing(), Json.toCompact(d));
    }

    /** {@code m} with {@code key: value} added to its description's "imported_from" (unchanged without one). */
    private static SavedModel withImportNote(SavedModel m, String key, String value) {
        JsonObject d = Json.parseObject(m.description(), "description");
        if (!d.has("imported_from") || !d.get("imported_from").isJsonObject()) {
            return m;
        }
        d.getAsJsonObject("imported_from").addProperty(key, value);
        return new SavedModel(m.model(), m.preprocessing(), Json.toCompact(d));
    }

    /** The file as an image classifier (for {@code predict}). */
    public static ImageClassifier classifier(Path file) throws IOException {
        return load(file).classifier(file);
    }

    private static boolean isConvnet4j(Path file) {
        try {
            return Checkpoint.FORMAT.equals(SafeTensors.readHeader(file).metadata().get("format"));
        } catch (IOException e) {
            return false;
        }
    }

    private static SavedModel imported(Path file, String format, String architecture, Model model, Preprocessing p) {
        if (model.outputShape().rank() == 1 && model.outputShape().dim(0) == ImageNet.CLASSES) {
            model.setClassNames(ImageNet.classNames());
        }
        JsonObject d = Json.parseObject(ModelFiles.describe(model, p), "description");
        JsonObject from = new JsonObject();
        from.addProperty("file", file.getFileName().toString());
        from.addProperty("format", format);
        if (architecture != null) {
            from.addProperty("zoo_architecture", architecture);
        }
        d.add("imported_from", from);
        return new SavedModel(model, p, Json.toCompact(d));
    }
}
