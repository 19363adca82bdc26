package org.convnet4j.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a JSON round trip does to a spec, without a JSON library: every number becomes a Double, every
 * map a fresh LinkedHashMap with String keys, every list an ArrayList; anything that JSON cannot hold fails.
 */
public final class JsonLike {
    private JsonLike() {
    }

    @SuppressWarnings("unchecked")
    public static <T> T roundTrip(T value) {
        return (T) convert(value, "$");
    }

    private static Object convert(Object v, String path) {
        if (v == null || v instanceof String || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                throw new AssertionError(path + ": JSON cannot hold " + v);
            }
            return d;
        }
        if (v instanceof Map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!(e.getKey() instanceof String)) {
                    throw new AssertionError(path + ": JSON keys are strings, got " + e.getKey());
                }
                out.put((String) e.getKey(), convert(e.getValue(), path + "." + e.getKey()));
            }
            return out;
        }
        if (v instanceof List) {
            List<Object> out = new ArrayList<>();
            int i = 0;
            for (Object o : (List<?>) v) {
                out.add(convert(o, path + "[" + i++ + "]"));
            }
            return out;
        }
        throw new AssertionError(path + ": JSON cannot hold a " + v.getClass().getName());
    }
}
