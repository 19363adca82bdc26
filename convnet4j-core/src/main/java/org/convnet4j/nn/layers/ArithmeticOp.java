package org.convnet4j.nn.layers;

import java.util.Locale;

/**
 * The element-wise binary operations of {@link Arithmetic} and {@link ConstantArithmetic} (max/min: ONNX Max, Min;
 * mod: ONNX Mod with fmod=1, C's fmod: the remainder of the quotient truncated toward zero, with the sign of the
 * dividend, as Java's {@code %} on floats and PyTorch's {@code torch.fmod}).
 */
public enum ArithmeticOp {
    ADD, SUB, MUL, DIV, MAX, MIN, MOD;

    float apply(float a, float b) {
        switch (this) {
            case ADD:
                return a + b;
            case SUB:
                return a - b;
            case MUL:
                return a * b;
            case MAX:
                return Math.max(a, b);
            case MIN:
                return Math.min(a, b);
            case MOD:
                return a % b;
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
            case MAX:
                return a >= b ? 1f : 0f; // ties go to the first operand, as in PyTorch
            case MIN:
                return a <= b ? 1f : 0f;
            case MOD:
                return 1f; // a - trunc(a / b) * b, the quotient constant between its jumps
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
            case MAX:
                return a >= b ? 0f : 1f;
            case MIN:
                return a <= b ? 0f : 1f;
            case MOD:
                return -truncatedQuotient(a, b); // as PyTorch's fmod: -trunc(a / b), the float quotient truncated
            default:
                return -a / (b * b);
        }
    }

    private static float truncatedQuotient(float a, float b) {
        float q = a / b;
        return q < 0 ? (float) Math.ceil(q) : (float) Math.floor(q);
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
        throw new IllegalArgumentException("arithmetic op '" + text + "': expected add, sub, mul, div, max, min or mod");
    }
}
