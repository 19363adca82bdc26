// Process CPU of whole JUnit test classes, one after the other in this JVM (JIT and GC threads included): the A/B of
// the zoo count tests in PERFORMANCE.md's eighteenth pass (ZooCountsTest 100.7 -> 1.6 CPU-s). Needs the JUnit
// platform launcher, engine, api, params, commons, opentest4j and apiguardian jars of ~/.m2 (junit 5.14.1 / 1.14.1).
//   java -Xmx4g -Xss4m --add-modules jdk.incubator.vector -cp CLASSES:TEST_CLASSES:GSON:JUNIT_JARS bench/TestClassCpu.java \
//        LABEL org.convnet4j.zoo.ZooCountsTest,org.convnet4j.zoo.ZooEstimateTest
import org.junit.platform.launcher.*;
import org.junit.platform.launcher.core.*;
import org.junit.platform.launcher.listeners.*;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
public class TestClassCpu {
  public static void main(String[] a) {
    var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    Launcher l = LauncherFactory.create();
    for (String c : a[1].split(",")) {
      var req = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(c)).build();
      var sum = new SummaryGeneratingListener();
      long c0 = os.getProcessCpuTime(); long t0 = System.nanoTime();
      l.execute(req, sum);
      long c1 = os.getProcessCpuTime(); long t1 = System.nanoTime();
      var s = sum.getSummary();
      System.out.printf("class-cpu %s %s: tests %d failed %d, cpu %.1f s, wall %.1f s%n", a[0], c.substring(c.lastIndexOf('.')+1), s.getTestsFoundCount(), s.getTotalFailureCount(), (c1-c0)/1e9, (t1-t0)/1e9);
      s.getFailures().forEach(f -> System.out.println("  " + f.getTestIdentifier().getDisplayName() + ": " + f.getException()));
    }
  }
}
