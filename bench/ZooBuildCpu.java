// Thread CPU of ModelZoo.build per zoo model (default options), then of allocating 2 x 100 M floats and of drawing
// 100 M java.util.Random Gaussians: where ZooCountsTest's time went (PERFORMANCE.md, eighteenth pass).
//   java -Xmx4g --add-modules jdk.incubator.vector -cp convnet4j-core/target/classes bench/ZooBuildCpu.java [NAMES...]
import org.convnet4j.zoo.*;
import org.convnet4j.nn.*;
import java.util.Random;
public class ZooBuildCpu {
  public static void main(String[] a) {
    String[] names = a.length > 0 ? a : new String[]{"vgg16","resnet50","wide_resnet101_2","densenet121"};
    var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    for (String n : names) {
      long c0 = bean.getCurrentThreadCpuTime(); long t0=System.nanoTime();
      Model m = ModelZoo.build(n, ZooOptions.defaults());
      long c1 = bean.getCurrentThreadCpuTime(); long t1=System.nanoTime();
      long p = m.parameterCount(); long macs = m.totalMacs();
      long c2 = bean.getCurrentThreadCpuTime();
      System.out.printf("%s params %d build cpu %.2f s wall %.2f s; counts cpu %.3f s%n", n, p, (c1-c0)/1e9, (t1-t0)/1e9, (c2-c1)/1e9);
      m = null;
    }
    // raw costs
    int N = 100_000_000;
    long c0 = bean.getCurrentThreadCpuTime();
    float[] f = new float[N]; float[] g = new float[N];
    long c1 = bean.getCurrentThreadCpuTime();
    Random r = new Random(1); for (int i=0;i<N;i++) f[i]=(float)(r.nextGaussian()*0.01);
    long c2 = bean.getCurrentThreadCpuTime();
    System.out.printf("alloc 2x100M floats cpu %.2f s; 100M nextGaussian cpu %.2f s%n",(c1-c0)/1e9,(c2-c1)/1e9);
  }
}
