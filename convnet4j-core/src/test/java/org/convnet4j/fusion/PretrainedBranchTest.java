package org.convnet4j.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Model;
import org.convnet4j.nn.Parameter;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pretrained branch read from a model file keeps its weights when the fused model is initialised. */
class PretrainedBranchTest {
    @Test
    void initializingTheFusedModelKeepsTheLoadedBranch(@TempDir Path dir) throws Exception {
        Model trained = FusionNets.smallCnn(Shape.of(1, 12, 12), 3).initialize(5);
        ModelFiles.save(trained, dir.resolve("branch.c4j"));
        Model pretrained = ModelFiles.load(dir.resolve("branch.c4j"));
        Graph fused = IntermediateFusion.builder(3)
                .branch("a", pretrained, "pool2")
                .branch("b", FusionNets.smallCnn(Shape.of(1, 12, 12), 3), "pool2")
                .build();
        fused.initialize(99);
        int compared = 0;
        for (var e : trained.namedParameters().entrySet()) {
            Parameter p = fused.namedParameters().get("a_branch." + e.getKey());
            if (p != null) {
                assertArrayEquals(e.getValue().value().data(), p.value().data(), e.getKey());
                compared++;
            }
        }
        assertFalse(compared == 0, "the fused model has the branch's parameters under a_branch.*");
    }
}
