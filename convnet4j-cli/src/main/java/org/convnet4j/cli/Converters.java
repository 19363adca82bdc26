package org.convnet4j.cli;

import java.util.Locale;
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

    static final class PaddingConverter implements ITypeConverter<PaddingSpec> {
        @Override
        public PaddingSpec convert(String value) {
            try {
                return PaddingSpec.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class PadModeConverter implements ITypeConverter<PadMode> {
        @Override
        public PadMode convert(String value) {
            try {
                return PadMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class NormalizeConverter implements ITypeConverter<Normalization.Mode> {
        @Override
        public Normalization.Mode convert(String value) {
            try {
                return Normalization.Mode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class PoolTypeConverter implements ITypeConverter<PoolType> {
        @Override
        public PoolType convert(String value) {
            switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "max":
                    return PoolType.MAX;
                case "avg":
                case "mean":
                    return PoolType.AVG;
                case "lp":
                    return PoolType.LP;
                default:
                    throw new TypeConversionException("pool type '" + value + "' is unknown; use max, avg or lp");
            }
        }
    }
}
