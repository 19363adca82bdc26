package org.convnet4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;

/**
 * Where a command writes one result: a picture (png, jpg/jpeg, bmp, gif) or raw numbers (csv), chosen by
 * the extension. Checked before any work is done, so a typo in the path fails in milliseconds rather than
 * after the computation; the library's writers are atomic, so a failure never leaves a partial file.
 */
record OutputFile(Path path, boolean csv) {
    private static final Set<String> PICTURES = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    /** Validates {@code path}: a known extension and an existing directory. */
    static OutputFile of(Path path) {
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
        requireFolder(path);
        return new OutputFile(path, csv);
    }

    /**
     * Checks, before any work, that a file can be written at {@code path} (a model, an ONNX file): it is not a
     * directory and its directory exists. Commands that read a large input or train first (import of a catalogued
     * name, export, transfer) would otherwise refuse a typo in {@code -o} only after that work.
     */
    static void requireTarget(Path path) {
        if (Files.isDirectory(path)) {
            throw new BadInputException(path + ": is a directory, not a file");
        }
        requireFolder(path);
    }

    /** The folder {@code path} goes in exists and this process may create files in it. */
    private static void requireFolder(Path path) {
        Path dir = path.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new BadInputException(path + ": output directory " + (dir == null ? "(none)" : dir) + " does not exist");
        }
        requireWritable(path, dir);
    }

    /**
     * Refuses, before any work, a folder this process cannot create files in (a read-only folder or file system;
     * root passes this check everywhere, and meets a read-only file system when writing, in one line too).
     */
    static void requireWritable(Path path, Path dir) {
        if (!Files.isWritable(dir)) {
            throw new BadInputException(path + ": output directory " + dir + " is not writable");
        }
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
