package org.convnet4j.dataspec;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Matching class names leniently: "T-shirt_top", "t-shirt/top" and "T-shirt top" are the same class. Case,
 * accents, spaces and punctuation are ignored; what still does not match is listed, so the user sees it.
 */
public final class ClassNames {
    /**
     * For each of {@code wanted}, the index of the same class in {@code available} (-1 if none), and a warning
     * naming what matched only leniently and what did not match at all (empty when every name matched exactly).
     */
    public record Match(int[] indexOf, List<String> unmatched, String warning) {
        public Match {
            unmatched = List.copyOf(unmatched);
        }

        public boolean complete() {
            return unmatched.isEmpty();
        }
    }

    private ClassNames() {
    }

    /** Lower case, no accents, letters and digits only. */
    public static String key(String name) {
        String n = Normalizer.normalize(name, Normalizer.Form.NFKD).replaceAll("\\p{M}", "");
        return n.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]", "");
    }

    public static Match match(List<String> wanted, List<String> available) {
        int[] idx = new int[wanted.size()];
        List<String> unmatched = new ArrayList<>();
        List<String> lenient = new ArrayList<>();
        for (int i = 0; i < wanted.size(); i++) {
            String w = wanted.get(i);
            idx[i] = available.indexOf(w);
            if (idx[i] < 0) {
                for (int j = 0; j < available.size(); j++) {
                    if (key(available.get(j)).equals(key(w))) {
                        idx[i] = j;
                        lenient.add("'" + w + "' = '" + available.get(j) + "'");
                        break;
                    }
                }
            }
            if (idx[i] < 0) {
                unmatched.add(w);
            }
        }
        StringBuilder warning = new StringBuilder();
        if (!lenient.isEmpty()) {
            warning.append("class names matched ignoring case and punctuation: ").append(String.join(", ", lenient));
        }
        if (!unmatched.isEmpty()) {
            warning.append(warning.length() > 0 ? "; " : "").append("no match for ").append(unmatched)
                    .append(" among ").append(available);
        }
        return new Match(idx, unmatched, warning.toString());
    }
}
