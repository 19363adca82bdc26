package org.convnet4j.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.convnet4j.nn.Graph;
import org.convnet4j.nn.Sequential;
import org.convnet4j.nn.layers.Add;
import org.convnet4j.nn.layers.Arithmetic;
import org.convnet4j.nn.layers.ArithmeticOp;
import org.convnet4j.nn.layers.Conv2d;
import org.convnet4j.nn.layers.Dense;
import org.convnet4j.nn.layers.Flatten;
import org.convnet4j.nn.layers.MaxPool2d;
import org.convnet4j.nn.layers.ReLU;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class GraphChainTest {
    /** conv - relu - [residual block] - square (Mul x x) - pool - flatten - dense, as an ONNX import would be. */
    static Graph residualNet() {
        Graph g = Graph.builder("net")
                .input("image", Shape.of(1, 8, 8))
                .add("conv1", new Conv2d(4, 3).padding(1), "image")
                .add("relu1", new ReLU(), "conv1")
                .add("conv2", new Conv2d(4, 3).padding(1), "relu1")
                .add("relu2", new ReLU(), "conv2")
                .add("sum", new Add(), "relu2", "relu1")
                .add("square", new Arithmetic(ArithmeticOp.MUL), "sum", "sum")
                .add("pool", new MaxPool2d(2), "square")
                .add("flat", new Flatten(), "pool")
                .add("fc", new Dense(3), "flat")
                .build();
        g.initialize(5);
        g.setClassNames(List.of("a", "b", "c"));
        return g;
    }

    @Test
    void residualGraphBecomesAChainWithTheSameOutputs() {
        Graph g = residualNet();
        Tensor x = Tensor.randn(new Random(1), 1f, 2, 1, 8, 8);
        Tensor want = g.predict(x);
        Sequential s = GraphChain.asSequential(g, "test");
        List<String> names = s.layers().stream().map(l -> l.name()).toList();
        // the residual block (conv2, relu2, sum) and the two-input square are blocks; the rest stay layers
        assertEquals(List.of("conv1", "relu1", "sum_block", "square_block", "pool", "flat", "fc"), names);
        assertTrue(s.layers().get(2) instanceof Graph);
        assertEquals(0f, s.predict(x).maxAbsDiff(want));
        assertEquals(g.parameterCount(), s.parameterCount());
        assertEquals(List.of("a", "b", "c"), s.classNames());
    }

    @Test
    void everyTransferCaseWorksOnTheChain() {
        TransferOptions o = TransferOptions.forClasses(List.of("x", "y"));
        assertEquals("flat", Transfer.defaultCut(GraphChain.asSequential(residualNet(), "t")));
        TransferPlan c1 = Transfer.plan(TransferCase.BOTTLENECK, GraphChain.asSequential(residualNet(), "t"), o);
        assertEquals(Shape.of(64), c1.model().outputShape());
        TransferPlan c2 = Transfer.plan(TransferCase.FINE_TUNE_LAST, GraphChain.asSequential(residualNet(), "t"), o);
        assertEquals(Shape.of(2), c2.model().outputShape());
        assertEquals(List.of("conv1"), c2.frozenLayers());
        assertEquals(List.of("sum_block", "fc"), c2.trainedLayers());
        // the copy used for every plan survives a spec round trip with nested blocks
        Sequential copy = Transfer.copyOf(GraphChain.asSequential(residualNet(), "t"));
        Tensor x = Tensor.randn(new Random(2), 1f, 1, 1, 8, 8);
        assertEquals(0f, copy.predict(x).maxAbsDiff(residualNet().predict(x)));
    }

    @Test
    void multiInputGraphsAreRefusedWithTheReason() {
        Graph two = Graph.builder("two").input("a", Shape.of(3)).input("b", Shape.of(3))
                .add("sum", new Add(), "a", "b").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GraphChain.asSequential(two, "--base two.onnx"));
        assertTrue(e.getMessage().contains("--base two.onnx") && e.getMessage().contains("one input"), e.getMessage());
    }
}
