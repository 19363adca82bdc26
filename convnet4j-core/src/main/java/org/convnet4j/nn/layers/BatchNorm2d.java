package org.convnet4j.nn.layers;

/** Batch normalisation of [C, H, W] feature maps, one mean/variance per channel; see {@link BatchNorm}. */
public final class BatchNorm2d extends BatchNorm {
    @Override
    protected boolean acceptsRank(int rank) {
        return rank == 3;
    }

    @Override
    protected String expectedInput() {
        return "an image input [C, H, W] (use BatchNorm1d for [F])";
    }

    @Override
    public BatchNorm2d momentum(double m) {
        super.momentum(m);
        return this;
    }

    @Override
    public BatchNorm2d eps(double e) {
        super.eps(e);
        return this;
    }
}
