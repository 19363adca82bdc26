package org.convnet4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.AtomicFiles;

/**
 * Where a command writes one result: a picture (png, jpg/jpeg, bmp, gif) or raw numbers (csv), chosen by
 * the extension. Checked before any work is done, so a typo in the path fails in milliseconds rather than
 * after the computation; the library's writers are atomic, so a failure never leaves a partial file.
 */
record OutputFile(Path path, boolean csv) {
    private static final Set<String> PICTURES = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    /** Validates {@code path}: a known extension, and a file can be written there ({@link AtomicFiles#requireWritable}). */
    static OutputFile of(Path path) throws IOException {
        String fn = path.getFileName() == null ? "" : path.getFileName().toString();
        int dot = fn.lastIndexOf('.');
        String ext = dot < 0 ? "" : fn.substring(dot + 1).toLowerCase(Locale.ROOT);
        boolean csv = ext.equals("csv");
        if (!csv && !PICTURES.contains(ext)) {
            throw new BadInputException(path + ": unknown output type " + (ext.isEmpty() ? "(no extension)" : "'." + ext + "'")
                    + "; use .png, .jpg, .bmp or .gif for a picture, .csv for the numbers");
        }
        if (Files.isDirectory(path)) {
            throw new BadInputException(path + ": is a directory; give a file name such as " + path.resolve("out." + ext));
        }
        AtomicFiles.requireWritable(path);
        return new OutputFile(path, csv);
    }

    /** Writes the tensor: raw numbers to CSV, or a [C,H,W] tensor with values 0..255 (clamped) as a picture. */
    void write(Tensor t) throws IOException {
        if (csv) {
            Images.writeCsv(t, path);
        } else {
            Images.write(t, path);
        }
    }
}
