import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.io.PrintWriter;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * Runs one JUnit method (a Jazzer {@code @FuzzTest}, e.g. {@code org.convnet4j.io.fuzz.ReaderFuzzTest#npy(byte[])})
 * through the JUnit Platform launcher, outside Maven; prints the summary and the failures; exit 1 if it failed.
 * Used by tools/fuzz/jazzer-long.sh with the module's test class path.
 */
public class RunFuzzTarget {
    public static void main(String[] args) {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectMethod(args[0])).build(),
                listener);
        PrintWriter out = new PrintWriter(System.out, true);
        listener.getSummary().printTo(out);
        listener.getSummary().printFailuresTo(out, 30);
        System.exit(listener.getSummary().getTotalFailureCount() == 0 && listener.getSummary().getTestsFoundCount() > 0
                ? 0 : 1);
    }
}
