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
            // the view says its size and that it is stretched (a dark grey background shows black)
            wait.until(d -> d.findElement(By.id("prepared-note")).getText().startsWith("28x28 pixels"));
            assertTrue(browser.findElement(By.id("prepared-note")).getText().contains("darkest to its brightest"));
        }
    }

    /**
     * A model whose class names are whole numbers ("0".."9", as digit models have) and whose preprocessing is
     * Keras' BGR: the page lists the top 5 most likely first (JavaScript puts such keys of the answer in numeric
     * order, and the page showed "2, 3, 6, 7, 8" for a top 5 of 3, 8, 2, ...), says BGR, draws the input in its
     * colours (a red picture stays red, not blue), and logs no error in the console (the browser's favicon
     * request was a 404 on every page).
     */
    @Test
    void wholeNumberClassNamesAreListedMostLikelyFirstAndABgrInputIsDrawnInItsColours(@TempDir Path dir) throws Exception {
        Browser.shared();
        org.convnet4j.nn.Sequential net = org.convnet4j.zoo.LeNet5.build(org.convnet4j.tensor.Shape.of(3, 28, 28), 10,
                org.convnet4j.zoo.LeNet5.Variant.MODERN);
        net.initialize(3);
        net.setClassNames(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
        SavedModel saved = new SavedModel(net, new org.convnet4j.model.Preprocessing(3, 28, 28, 1 / 255f,
                new float[] {0.4f, 0.4f, 0.4f}, new float[] {0.25f, 0.25f, 0.25f}, true, 0), "{}");
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(56, 56, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 56; y++) {
            for (int x = 0; x < 28; x++) {
                img.setRGB(x, y, 0xff0000); // left half red, right half black
            }
        }
        Path picture = dir.resolve("red.png");
        Files.write(picture, ModelServerTest.png(img));
        List<Prediction> expected = new ImageClassifier(saved.model(), saved.preprocessing()).predict(picture, 5);
        List<String> expectedNames = expected.stream().map(Prediction::className).toList();
        assertTrue(!expectedNames.equals(expectedNames.stream().sorted().toList()),
                "the test needs a top 5 out of numeric order (choose another seed): " + expectedNames);

        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        try (ModelServer server = ModelServer.start(Map.of("digits", saved), o)) {
            WebDriver browser = Browser.sharedNow();
            browser.manage().logs().get("browser"); // what earlier pages logged
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            browser.get(server.url() + "/models/digits");
            wait.until(d -> d.findElement(By.id("about")).getText().contains("classes"));
            assertTrue(browser.findElement(By.id("about")).getText().contains("BGR"),
                    browser.findElement(By.id("about")).getText());
            browser.findElement(By.id("file")).sendKeys(picture.toString());
            wait.until(d -> "true".equals(d.findElement(By.id("status")).getAttribute("data-done")));
            List<String> shown = browser.findElements(By.cssSelector("#top .probability")).stream()
                    .map(e -> e.getAttribute("data-cls")).toList();
            assertEquals(expectedNames, shown);

            wait.until(d -> ((Number) ((JavascriptExecutor) d).executeScript(
                    "return document.getElementById('prepared').naturalWidth")).intValue() > 0);
            @SuppressWarnings("unchecked")
            List<Number> left = (List<Number>) ((JavascriptExecutor) browser).executeScript(
                    "const i = document.getElementById('prepared'); const c = document.createElement('canvas');"
                    + " c.width = i.naturalWidth; c.height = i.naturalHeight; const g = c.getContext('2d');"
                    + " g.drawImage(i, 0, 0); return Array.from(g.getImageData(3, 14, 1, 1).data);");
            assertTrue(left.get(0).intValue() > 200 && left.get(2).intValue() < 50, "red, as RGBA: " + left);

            List<String> severe = browser.manage().logs().get("browser").getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                    .map(Object::toString).toList();
            assertEquals(List.of(), severe);
        }
    }
}
