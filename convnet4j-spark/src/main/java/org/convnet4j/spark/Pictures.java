package org.convnet4j.spark;

import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.convnet4j.image.ImageFormatException;
import org.convnet4j.image.Images;
import org.convnet4j.tensor.Tensor;

/**
 * The two ways a picture arrives in a Spark column: the encoded file ({@code binaryFile} data source's
 * {@code content}, any binary column) or Spark's {@code image} data source struct (origin, height, width, nChannels,
 * mode, data), which holds decoded 8-bit pixels row by row in OpenCV's BGR(A) order.
 */
public enum Pictures {
    ENCODED, IMAGE_STRUCT;

    private static final Set<String> IMAGE_FIELDS = Set.of("height", "width", "nChannels", "data");

    /** The kind of {@code column} in {@code schema}; a one-line error for anything else. */
    public static Pictures of(StructType schema, String column) {
        if (!Set.of(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("no column '" + column + "' in " + schema.simpleString()
                    + " (read pictures with spark.read().format(\"binaryFile\") or format(\"image\"))");
        }
        DataType t = schema.apply(column).dataType();
        if (t instanceof BinaryType) {
            return ENCODED;
        }
        if (t instanceof StructType s && Set.of(s.fieldNames()).containsAll(IMAGE_FIELDS)) {
            return IMAGE_STRUCT;
        }
        throw new IllegalArgumentException("column '" + column + "' is " + t.simpleString()
                + "; pictures must be binary (binaryFile content) or an image struct (the image data source)");
    }

    /** The picture as [C, H, W] with values 0..255 (grey stays 1 channel, colour becomes RGB). */
    public Tensor decode(Object value, String name, long maxPixels) throws ImageFormatException {
        if (value == null) {
            throw new ImageFormatException(name + ": no picture (null)");
        }
        // encoded files: the library's decoder with its own pixel and memory budgets (Images.maxPixels())
        return this == ENCODED ? Images.read((byte[]) value, name) : fromStruct((Row) value, name, maxPixels);
    }

    private static Tensor fromStruct(Row r, String name, long maxPixels) throws ImageFormatException {
        int h = r.getInt(r.fieldIndex("height"));
        int w = r.getInt(r.fieldIndex("width"));
        int c = r.getInt(r.fieldIndex("nChannels"));
        byte[] data = (byte[]) r.get(r.fieldIndex("data"));
        if (h < 1 || w < 1 || data == null || data.length == 0) {
            // the image source marks pictures it could not decode this way (when dropInvalid is off)
            throw new ImageFormatException(name + ": the image data source could not decode it");
        }
        if ((long) h * w > maxPixels) {
            throw new ImageFormatException(name + ": " + w + "x" + h + " exceeds the limit of " + maxPixels + " pixels");
        }
        if ((c != 1 && c != 3 && c != 4) || data.length != (long) h * w * c) {
            throw new ImageFormatException(name + ": image struct of " + w + "x" + h + "x" + c + " holds " + data.length
                    + " bytes (8-bit pixels of 1, 3 or 4 channels expected)");
        }
        int plane = h * w;
        if (c == 1) {
            float[] d = new float[plane];
            for (int i = 0; i < plane; i++) {
                d[i] = data[i] & 0xff;
            }
            return Tensor.wrap(d, 1, h, w);
        }
        float[] d = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            int o = i * c;
            d[i] = data[o + 2] & 0xff;             // R (stored third: BGR)
            d[plane + i] = data[o + 1] & 0xff;     // G
            d[2 * plane + i] = data[o] & 0xff;     // B; a fourth byte (alpha) is dropped
        }
        return Tensor.wrap(d, 3, h, w);
    }

    /**
     * The string column {@link PictureFiles#read} fills with why a file could not be read (null when it could): the
     * stages report that reason as the row's error, as for a picture that cannot be decoded.
     */
    public static final String READ_ERROR = "readError";

    /** The index of the {@link #READ_ERROR} string column, or -1. */
    static int readErrorColumn(StructType schema) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(READ_ERROR) && f.dataType().typeName().equals("string")) {
                return schema.fieldIndex(READ_ERROR);
            }
        }
        return -1;
    }

    /** The index of a string column that names each row's file (for messages), or -1. */
    static int nameColumn(StructType schema, String pictureColumn, Pictures kind) {
        for (String candidate : new String[] {"path", "origin"}) {
            for (StructField f : schema.fields()) {
                if (f.name().equals(candidate) && f.dataType().typeName().equals("string")) {
                    return schema.fieldIndex(candidate);
                }
            }
        }
        return -1;
    }
}
