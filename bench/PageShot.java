import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A page as a user sees it, in headless Chromium (Debian's chromium and chromedriver): opens URL, optionally chooses
 * PICTURE in the picture page's file input and waits until the page has shown its answer, waits SECONDS more, saves
 * the screenshot (1400x1800 window) and prints the page's text and the browser console's entries.
 * Usage: java -cp SELENIUM_CLASSPATH bench/PageShot.java URL OUT.png [SECONDS] [PICTURE]
 *        (the serve module's test class path has Selenium: mvn -o -q dependency:build-classpath -pl convnet4j-serve)
 */
public class PageShot {
    public static void main(String[] a) throws Exception {
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1800");
        WebDriver d = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver")).build(), o);
        try {
            d.get(a[0]);
            if (a.length > 3) {
                d.findElement(By.id("file")).sendKeys(Path.of(a[3]).toAbsolutePath().toString());
                new WebDriverWait(d, Duration.ofSeconds(30)).until(
                        x -> "true".equals(x.findElement(By.id("status")).getAttribute("data-done")));
            }
            Thread.sleep((long) (1000 * Double.parseDouble(a.length > 2 ? a[2] : "3")));
            Files.write(Path.of(a[1]), ((TakesScreenshot) d).getScreenshotAs(OutputType.BYTES));
            System.out.println(((JavascriptExecutor) d).executeScript("return document.body.innerText.slice(0, 3000)"));
            for (var e : d.manage().logs().get("browser")) {
                System.out.println("CONSOLE " + e);
            }
        } finally {
            d.quit();
        }
    }
}
