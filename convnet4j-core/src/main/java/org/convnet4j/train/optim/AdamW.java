package org.convnet4j.train.optim;

import java.util.List;
import org.convnet4j.nn.Model;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), as PyTorch's {@code torch.optim.AdamW}: the
 * weights shrink by {@code lr · weightDecay} before the Adam step, and the decay does not enter the moment
 * estimates. The default weight decay is PyTorch's, 0.01.
 */
public final class AdamW extends Adam {
    public AdamW(Model model, double lr) {
        this(allOf(model), lr);
    }

    public AdamW(List<ParamGroup> groups, double lr) {
        super(groups, lr, true);
        weightDecay(0.01);
    }

    @Override
    public String name() {
        return "adamw";
    }
}
