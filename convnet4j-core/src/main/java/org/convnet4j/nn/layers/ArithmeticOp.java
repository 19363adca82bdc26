package org.convnet4j.nn.layers;

import java.util.Locale;

/** The element-wise binary operations of {@link Arithmetic} and {@link ConstantArithmetic}. */
public enum ArithmeticOp {
    ADD, SUB, MUL, DIV;

    float apply(float a, float b) {
        switch (this) {
            case ADD:
                return a + b;
            case SUB:
                return a - b;
            case MUL:
                return a * b;
            default:
                return a / b;
        }
    }

    /** d(a op b)/da. */
    float dA(float a, float b) {
        switch (this) {
            case ADD:
            case SUB:
                return 1f;
            case MUL:
                return b;
            default:
                return 1f / b;
        }
    }

    /** d(a op b)/db. */
    float dB(float a, float b) {
        switch (this) {
            case ADD:
                return 1f;
            case SUB:
                return -1f;
            case MUL:
                return a;
            default:
                return -a / (b * b);
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ArithmeticOp parse(String text) {
        for (ArithmeticOp op : values()) {
            if (op.id().equalsIgnoreCase(text)) {
                return op;
            }
        }
        throw new IllegalArgumentException("arithmetic op '" + text + "': expected add, sub, mul or div");
    }
}
