package org.convnet4j.serve;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven through its chromedriver (packages chromium and chromium-driver, which
 * .ci/run installs). Missing packages fail the test with the command that installs them: a browser test that
 * skips silently would prove nothing.
 */
final class Browser {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    /**
     * Selenium warns on every start that it has no DevTools (CDP) bindings for this Chromium version; the tests
     * use WebDriver only, so the warning is noise. Kept in a field: java.util.logging holds loggers weakly.
     */
    private static final Logger SELENIUM = Logger.getLogger("org.openqa.selenium");

    static {
        SELENIUM.setLevel(Level.SEVERE);
    }

    /** The browser the page tests share (see {@link #shared}), null before the first. */
    private static java.util.concurrent.CompletableFuture<WebDriver> shared;
    private static boolean quitAtExit;

    private Browser() {
    }

    /**
     * One browser for all the page tests of this JVM: started (on another thread, so that a test can prepare its run
     * or model meanwhile) at the first call, and quit when the JVM exits. Each start of Chromium and its driver costs
     * seconds (3-4 s each at load 38, about a second quiet), and the three page tests each started their own. A test
     * loads its own page first, so nothing carries over but the browser; one that died is started again.
     * {@code shared().join()} waits for it; a failed start is thrown there (as {@link #start} throws it).
     */
    static synchronized java.util.concurrent.CompletableFuture<WebDriver> shared() {
        if (shared != null && (!shared.isDone() || alive(shared))) {
            return shared;
        }
        shared = java.util.concurrent.CompletableFuture.supplyAsync(Browser::start, job -> {
            Thread t = new Thread(job, "start-shared-browser"); // not the common pool: a test may need it meanwhile
            t.setDaemon(true);
            t.start();
        });
        if (!quitAtExit) {
            quitAtExit = true;
            Runtime.getRuntime().addShutdownHook(new Thread(Browser::quitShared, "quit-shared-browser"));
        }
        return shared;
    }

    /** The shared browser once started, its start's own exception thrown as is. */
    static WebDriver sharedNow() {
        try {
            return shared().join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    private static boolean alive(java.util.concurrent.CompletableFuture<WebDriver> f) {
        try {
            f.join().getWindowHandles();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static synchronized void quitShared() {
        if (shared != null) {
            try {
                shared.join().quit();
            } catch (RuntimeException e) {
                // not started, or already gone
            }
        }
    }

    static WebDriver start() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            throw new IllegalStateException("browser tests need " + CHROMIUM + " and " + DRIVER
                    + ": apt-get install chromium chromium-driver");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1600");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return driver;
    }
}
