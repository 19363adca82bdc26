package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.convnet4j.model.ImageClassifier;
import org.convnet4j.model.Prediction;
import org.convnet4j.model.SavedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The try-a-model page in a real headless Chromium: list, choose a picture, the predict command's top 5. */
class PicturePageTest {

    @Test
    void choosingAPictureShowsTheTop5OfPredict(@TempDir Path dir) throws Exception {
        Browser.shared(); // starts while the model and the expected answer are made
        SavedModel saved = TestModels.lenet(11);
        Path picture = dir.resolve("picture.png");
        Files.write(picture, ModelServerTest.png(ModelServerTest.testPicture(64, 48)));
        // what 'convnet4j predict --model FILE --top-k 5 picture.png' prints comes from this call
        List<Prediction> expected = new ImageClassifier(saved.model(), saved.preprocessing()).predict(picture, 5);

        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        try (ModelServer server = ModelServer.start(Map.of("fashion", saved), o)) {
            WebDriver browser = Browser.sharedNow();
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            browser.get(server.url() + "/");
            WebElement link = wait.until(d -> d.findElements(By.cssSelector("a.model-link")).stream().findFirst().orElse(null));
            assertEquals("fashion", link.getText());
            link.click();
            wait.until(d -> d.getCurrentUrl().endsWith("/models/fashion"));
            browser.findElement(By.id("file")).sendKeys(picture.toString());
            wait.until(d -> "true".equals(d.findElement(By.id("status")).getAttribute("data-done")));

            List<WebElement> shown = browser.findElements(By.cssSelector("#top .probability"));
            assertEquals(5, shown.size());
            for (int i = 0; i < 5; i++) {
                assertEquals(expected.get(i).className(), shown.get(i).getAttribute("data-cls"), "rank " + (i + 1));
                assertEquals(String.format(Locale.ROOT, "%.2f%%", 100 * expected.get(i).probability()),
                        shown.get(i).getText(), "rank " + (i + 1));
            }
            // the preprocessed input is shown at the model's resolution (28x28 grey)
            wait.until(d -> ((Number) ((JavascriptExecutor) d).executeScript(
                    "return document.getElementById('prepared').naturalWidth")).intValue() > 0);
            Number w = (Number) ((JavascriptExecutor) browser).executeScript("return document.getElementById('prepared').naturalWidth");
            Number h = (Number) ((JavascriptExecutor) browser).executeScript("return document.getElementById('prepared').naturalHeight");
            assertEquals(28, w.intValue());
            assertEquals(28, h.intValue());
            assertTrue(browser.findElement(By.id("about")).getText().contains("grey 28x28"),
                    browser.findElement(By.id("about")).getText());
        }
    }
}
