// Which batch sizes give a Dense row other bits than the same row in a batch of 700 (predict and the training
// forward), for Dense shapes in x units; the issue-17 finding of 2026-12-06: only the dot-product batches (<= 4 rows,
// <= 25 for 1024 -> 10) differ, and none with -Dconvnet4j.gemm.exactRows=true (except 25088 -> 4096, not kept packed).
//   java -Xmx2g --add-modules jdk.incubator.vector -cp convnet4j-core/target/classes bench/DenseBatchRowBits.java
import org.convnet4j.nn.*;
import org.convnet4j.nn.layers.*;
import org.convnet4j.tensor.*;
import java.util.*;
public class DenseBatchRowBits {
  static Tensor first(Tensor x, int n) {
    int[] d = x.shape().dims().clone(); int per = x.size()/d[0]; d[0]=n;
    return Tensor.wrap(Arrays.copyOf(x.data(), n*per), d);
  }
  public static void main(String[] a) {
    Random rnd = new Random(1);
    int N = 700;
    int[][] shapes = {{400,120},{84,10},{2048,1000},{1024,10},{64,64},{25088,4096}};
    for (int[] s : shapes) {
      Sequential m = new Sequential("d", Shape.of(s[0]));
      m.add(new Dense(s[1]));
      m.initialize(3);
      int NN = s[0] > 5000 ? 40 : N;
      Tensor x = Tensor.randn(rnd, 1f, NN, s[0]);
      for (boolean train : new boolean[]{false, true}) {
        Tensor ref = train ? m.forward(x, true).copy() : m.predict(x).copy();
        StringBuilder bad = new StringBuilder();
        for (int n = 1; n < NN; n += (n < 40 ? 1 : 37)) {
          Tensor y = train ? m.forward(first(x, n), true) : m.predict(first(x, n));
          int rows = 0;
          for (int i = 0; i < n; i++) {
            boolean same = true;
            for (int j = 0; j < s[1]; j++) if (Float.floatToRawIntBits(y.data()[i*s[1]+j]) != Float.floatToRawIntBits(ref.data()[i*s[1]+j])) { same = false; break; }
            if (!same) rows++;
          }
          if (rows > 0) bad.append(n).append(':').append(rows).append(' ');
        }
        System.out.println("dense "+s[0]+"->"+s[1]+(train?" train":" predict")+" batches (size:rows differing from batch "+NN+"): "+bad);
      }
    }
  }
}
