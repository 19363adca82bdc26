package org.convnet4j.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.convnet4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** TrainingSettings.Overrides: what both train commands give over the defaults or a resumed run's settings. */
class TrainingSettingsOverrideTest {
    @Test
    void nothingGivenKeepsEverySetting() {
        TrainingSettings saved = TrainingSettings.builder().model("lenet5-classic").epochs(3).batch(32).optimizer("sgd")
                .lr(0.5).momentum(0.9).seed(7).valSplit(0.2).limit(100).patience(2).out(Path.of("a.c4j"))
                .input(Shape.of(1, 32, 32)).build();
        assertEquals(saved, saved.toBuilder().override(new TrainingSettings.Overrides()).build());
    }

    @Test
    void givenValuesWinAndTheRestStay() {
        TrainingSettings saved = TrainingSettings.builder().epochs(3).optimizer("sgd").lr(0.5).seed(7).build();
        TrainingSettings.Overrides given = new TrainingSettings.Overrides();
        given.epochs = 9;
        given.out = Path.of("b.c4j");
        given.input = Shape.of(3, 28, 28);
        TrainingSettings s = saved.toBuilder().override(given).build();
        assertEquals(9, s.epochs());
        assertEquals(Path.of("b.c4j"), s.out());
        assertEquals(Shape.of(3, 28, 28), s.input());
        assertEquals(0.5, s.lr());
        assertEquals(7, s.seed());
        assertEquals("sgd", s.optimizer());
    }

    @Test
    void anOptimiserWithoutARateTakesItsDefaultUnlessTheBuilderHasOne() {
        TrainingSettings.Overrides sgd = new TrainingSettings.Overrides();
        sgd.optimizer = "sgd";
        assertEquals(0.1, TrainingSettings.builder().override(sgd).build().lr());
        // a resumed run's rate stays (it was saved with the run)
        assertEquals(0.003, TrainingSettings.builder().lr(0.003).build().toBuilder().override(sgd).build().lr());
        sgd.lr = 0.2;
        assertEquals(0.2, TrainingSettings.builder().lr(0.003).override(sgd).build().lr());
    }
}
