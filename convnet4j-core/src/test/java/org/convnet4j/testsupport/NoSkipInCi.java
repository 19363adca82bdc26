package org.convnet4j.testsupport;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * On a developer's machine a test whose data package is missing (dataset-fashion-mnist, libonnx-testdata,
 * python3-onnx) is skipped with the reason; in CI ({@code CI=true}, which the CI script and every common CI
 * service set) the same skip fails the build, because CI installs those packages and a silent skip there would
 * hide a broken installation or a wrong path. Registered for every test by JUnit's extension auto-detection
 * (META-INF/services, switched on in the parent pom's surefire configuration).
 */
public final class NoSkipInCi implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    /** True when running in CI: the environment variable CI is "true" or "1". */
    public static boolean inCi() {
        String ci = System.getenv("CI");
        return ci != null && (ci.equalsIgnoreCase("true") || ci.equals("1"));
    }

    private static Throwable strict(Throwable t) {
        if (t instanceof TestAbortedException && inCi()) {
            return new AssertionFailedError("skipped in CI, where nothing may skip (CI=true): " + t.getMessage()
                    + " (install what .ci/run lists)", t);
        }
        return t;
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw strict(throwable);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw strict(throwable);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw strict(throwable);
    }
}
