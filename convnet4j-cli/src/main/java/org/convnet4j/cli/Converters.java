package org.convnet4j.cli;

import java.nio.file.Path;
import java.util.function.Function;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.ops.PoolType;
import org.convnet4j.util.AtomicFiles;
import org.convnet4j.vision.Normalization;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option converters that delegate to the library's own parsers, so the CLI and the API accept the same
 * spellings and give the same messages; picocli reports them as "Invalid value for option ...".
 */
final class Converters {
    private Converters() {
    }

    /** {@code cl} (and its subcommands) parsing the library's option types with the library's parsers. */
    static CommandLine registeredOn(CommandLine cl) {
        return cl.registerConverter(PaddingSpec.class, parsed(PaddingSpec::parse))
                .registerConverter(PadMode.class, parsed(PadMode::parse))
                .registerConverter(Normalization.Mode.class, parsed(Normalization.Mode::parse))
                .registerConverter(PoolType.class, parsed(PoolType::parse));
    }

    /** A converter calling one library parser: its IllegalArgumentException is picocli's invalid value. */
    static <T> ITypeConverter<T> parsed(Function<String, T> parser) {
        return value -> {
            try {
                return parser.apply(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        };
    }

    /**
     * An output file's path ({@link AtomicFiles#outputFile}): text ending in '/' means a folder, refused in one line
     * with a file name to give instead (the README: an output file's folder must exist; folder options create theirs).
     */
    abstract static class FileOutput implements ITypeConverter<Path> {
        private final ITypeConverter<Path> parser;

        FileOutput(String exampleName) {
            parser = parsed(s -> AtomicFiles.outputFile(s, exampleName));
        }

        @Override
        public Path convert(String value) throws Exception {
            return parser.convert(value);
        }
    }

    /** A model file ({@code train}, {@code transfer}, {@code fuse}, {@code import} --out). */
    static final class ModelFile extends FileOutput {
        ModelFile() {
            super("model.c4j");
        }
    }

    /** An exported ONNX file. */
    static final class OnnxFile extends FileOutput {
        OnnxFile() {
            super("model.onnx");
        }
    }

    /** A picture or CSV ({@code edges}, {@code convolve}, {@code pool}). */
    static final class PictureFile extends FileOutput {
        PictureFile() {
            super("out.png");
        }
    }
}
