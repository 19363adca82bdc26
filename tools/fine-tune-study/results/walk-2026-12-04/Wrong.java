import org.convnet4j.data.Dataset;
import org.convnet4j.dataspec.DataSpec;
import org.convnet4j.model.Preprocessing;
import org.convnet4j.model.ModelFiles;
import org.convnet4j.nn.Model;
import org.convnet4j.train.optim.Adam;
import org.convnet4j.train.TrainConfig;
import org.convnet4j.train.Trainer;
import java.nio.file.Path;
import java.util.List;
public class Wrong {
    public static void main(String[] a) throws Exception {
        Model m = ModelFiles.load(Path.of(a[0]));   // a 10-output model
        Dataset five = DataSpec.perClass(DataSpec.of("fashion-mnist:5-9")
                .trainAndTest(Preprocessing.forInput(m.inputShapes().get(0)), 42).train(), 10, 42);
        System.out.println("model names " + m.classNames().size() + ", data classes " + five.numClasses());
        try {
            Trainer.fit(m, five, null, TrainConfig.builder(new Adam(m, 1e-3)).epochs(1).batchSize(16).seed(1).build());
            System.out.println("WRONG: trained a 10-output model on 5 classes");
        } catch (RuntimeException e) { System.out.println("refused before training: " + e.getMessage()); }
    }
}
