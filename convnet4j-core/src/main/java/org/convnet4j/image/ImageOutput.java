package org.convnet4j.image;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.convnet4j.tensor.Tensor;
import org.convnet4j.util.AtomicFiles;

/**
 * Where one result tensor goes, chosen by the file's extension: a picture ({@code .png}, {@code .jpg}/{@code .jpeg},
 * {@code .bmp}, {@code .gif}: {@link Images#write}) or its raw numbers ({@code .csv}: {@link Images#writeCsv}).
 * {@link #of} checks the path before any work is done, so that a mistyped path fails at once rather than after the
 * computation; both writers replace the file atomically, so a failure never leaves a partial one.
 *
 * <pre>{@code
 * ImageOutput out = ImageOutput.of(Path.of("gx.csv"));   // checked here: extension, folder, writable
 * Tensor gx = ImageFilters.sobelEdges(photo).gx();
 * out.write(gx);                                          // numbers, as the extension says
 * }</pre>
 */
public final class ImageOutput {
    private static final Set<String> PICTURES = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    private final Path path;
    private final boolean csv;

    private ImageOutput(Path path, boolean csv) {
        this.path = path;
        this.csv = csv;
    }

    /**
     * The output {@code path} names, checked: a known extension (else an {@link IllegalArgumentException} naming the
     * path and the extensions there are), not a folder (a {@link FileSystemException} suggesting a file name in it),
     * and a file can be written there ({@link AtomicFiles#requireWritable}).
     */
    public static ImageOutput of(Path path) throws IOException {
        String fn = path.getFileName() == null ? "" : path.getFileName().toString();
        int dot = fn.lastIndexOf('.');
        String ext = dot < 0 ? "" : fn.substring(dot + 1).toLowerCase(Locale.ROOT);
        boolean csv = ext.equals("csv");
        if (!csv && !PICTURES.contains(ext)) {
            throw new IllegalArgumentException(path + ": unknown output type " + (ext.isEmpty() ? "(no extension)"
                    : "'." + ext + "'") + "; use .png, .jpg, .bmp or .gif for a picture, .csv for the numbers");
        }
        if (Files.isDirectory(path)) {
            throw new FileSystemException(path.toString(), null, "is a directory; give a file name such as "
                    + path.resolve("out." + ext));
        }
        AtomicFiles.requireWritable(path);
        return new ImageOutput(path, csv);
    }

    /** The file written. */
    public Path path() {
        return path;
    }

    /** Whether the file takes the raw numbers (CSV) rather than a picture. */
    public boolean csv() {
        return csv;
    }

    /**
     * Writes {@code t}: its raw numbers to a CSV file, or, for a picture, a [C, H, W] tensor (C = 1 or 3) whose values
     * 0..255 are rounded and clamped.
     */
    public void write(Tensor t) throws IOException {
        if (csv) {
            Images.writeCsv(t, path);
        } else {
            Images.write(t, path);
        }
    }
}
