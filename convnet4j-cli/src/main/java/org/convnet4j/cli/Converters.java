package org.convnet4j.cli;

import java.util.function.Function;
import org.convnet4j.ops.PadMode;
import org.convnet4j.ops.PaddingSpec;
import org.convnet4j.ops.PoolType;
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
