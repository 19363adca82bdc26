package org.convnet4j.nn.layers;

/** Batch normalisation of [F] features (or [C, L] sequences, per channel C); see {@link BatchNorm}. */
public final class BatchNorm1d extends BatchNorm {
    @Override
    protected boolean acceptsRank(int rank) {
        return rank == 1 || rank == 2;
    }

    @Override
    protected String expectedInput() {
        return "features [F] or [C, L] (use BatchNorm2d for images)";
    }

    @Override
    public BatchNorm1d momentum(double m) {
        super.momentum(m);
        return this;
    }

    @Override
    public BatchNorm1d eps(double e) {
        super.eps(e);
        return this;
    }
}
