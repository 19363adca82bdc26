package org.convnet4j.cli;

import java.nio.file.Path;
import java.util.function.Function;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.ops.PoolType;
import org.convnet4j.util.AtomicFiles;
import org.convnet4j.vision.Normalization;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option converters that delegate to the library's own parsers, so the CLI and the API accept the same
 * spellings and give the same messages; picocli reports them as "Invalid value for option ...".
 */
final class Converters {
    private Converters() {
    }

    /** A converter calling one library parser: its IllegalArgumentException is picocli's invalid value. */
    abstract static class Parsed<T> implements ITypeConverter<T> {
        private final Function<String, T> parser;

        Parsed(Function<String, T> parser) {
            this.parser = parser;
        }

        @Override
        public T convert(String value) {
            try {
                return parser.apply(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * An output file's path ({@link AtomicFiles#outputFile}): text ending in '/' means a folder, refused in one line
     * with a file name to give instead (the README: an output file's folder must exist; folder options create theirs).
     */
    abstract static class FileOutput extends Parsed<Path> {
        FileOutput(String exampleName) {
            super(s -> AtomicFiles.outputFile(s, exampleName));
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

    static final class PaddingConverter extends Parsed<PaddingSpec> {
        PaddingConverter() {
            super(PaddingSpec::parse);
        }
    }

    static final class PadModeConverter extends Parsed<PadMode> {
        PadModeConverter() {
            super(PadMode::parse);
        }
    }

    static final class NormalizeConverter extends Parsed<Normalization.Mode> {
        NormalizeConverter() {
            super(Normalization.Mode::parse);
        }
    }

    static final class PoolTypeConverter extends Parsed<PoolType> {
        PoolTypeConverter() {
            super(PoolType::parse);
        }
    }
}
