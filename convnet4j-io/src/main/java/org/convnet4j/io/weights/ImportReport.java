package org.convnet4j.io.weights;

import java.util.List;

/** What an import did: how many tensors and values it loaded, and remarks worth telling the user. */
public record ImportReport(int tensors, long values, List<String> notes) {
    public ImportReport {
        notes = List.copyOf(notes);
    }
}
