package org.convnet4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Both forms of progress on a clock of our own: whole lines for a log, a bar redrawn in place for a terminal. */
class ProgressOutputTest {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    private final AtomicLong now = new AtomicLong();

    private ProgressOutput output(ProgressOutput.Mode mode, String task, ProgressOutput.Unit unit, int step) {
        return new ProgressOutput(out, mode, task, unit, now::get, step, TimeUnit.SECONDS.toNanos(30));
    }

    private String text() {
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void linesComeAtPercentStepsAndAfterQuietSpells() {
        ProgressOutput a = output(ProgressOutput.Mode.LINES, "a.pth", ProgressOutput.Unit.bytes(), 25)
                .opening("downloading a.pth");
        a.update(0, 4_000_000);
        for (long b = 100_000; b <= 4_000_000; b += 100_000) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
            a.update(b, 4_000_000);
        }
        a.finish();
        a.finish(); // once only
        // unknown size, and a stall of 31 s: one line for the stall, none for the fast part
        ProgressOutput b = output(ProgressOutput.Mode.LINES, "b.pth", ProgressOutput.Unit.bytes(), 25)
                .opening("downloading b.pth");
        b.update(0, -1);
        b.update(1_000_000, -1);
        now.addAndGet(TimeUnit.SECONDS.toNanos(31));
        b.update(1_500_000, -1);
        b.update(1_600_000, -1);
        b.close();
        // a resumed download: its speed counts the new bytes only; then it stops short
        ProgressOutput c = output(ProgressOutput.Mode.LINES, "c.pth", ProgressOutput.Unit.bytes(), 25)
                .opening("downloading c.pth");
        c.update(3_000_000, 4_000_000);
        now.addAndGet(TimeUnit.SECONDS.toNanos(31));
        c.update(3_500_000, 4_000_000);
        c.finish();
        List<String> want = new ArrayList<>(List.of(
                "downloading a.pth (4.0 MB)",
                "a.pth: 25% 1.0 MB of 4.0 MB, 1.0 MB/s, ETA 0:00:03",
                "a.pth: 50% 2.0 MB of 4.0 MB, 1.0 MB/s, ETA 0:00:02",
                "a.pth: 75% 3.0 MB of 4.0 MB, 1.0 MB/s, ETA 0:00:01",
                "a.pth: 4.0 MB in 0:00:04 (1.0 MB/s)",
                "downloading b.pth (size not given)",
                "b.pth: 1.5 MB, 48 kB/s",
                "b.pth: 1.6 MB in 0:00:31 (52 kB/s)",
                "downloading c.pth (4.0 MB), resuming at 3.0 MB",
                "c.pth: 87% 3.5 MB of 4.0 MB, 16 kB/s, ETA 0:00:31",
                "c.pth: stopped at 3.5 MB of 4.0 MB"));
        assertEquals(want, text().lines().toList());
        assertFalse(text().contains("\r"));
    }

    @Test
    void anEpochInALogIsALineEveryTenPercentAndASummaryWithItsMessage() {
        ProgressOutput e = output(ProgressOutput.Mode.LINES, "epoch 1/3", ProgressOutput.Unit.count("img"), 10);
        e.update(0, 54_000);
        for (int batch = 1; batch <= 100; batch++) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(50));
            e.message(String.format(java.util.Locale.ROOT, "loss %.4f", 1.0 / batch));
            e.update(batch * 540L, 54_000);
        }
        e.finish();
        List<String> lines = text().lines().toList();
        assertEquals(10, lines.size(), text()); // 10% .. 90%, then the summary; no opening was asked for
        assertEquals("epoch 1/3: 10% 5,400 of 54,000 img, 10,800 img/s, ETA 0:00:05 loss 0.1000", lines.get(0));
        assertEquals("epoch 1/3: 54,000 img in 0:00:05 (10,800 img/s) loss 0.0100", lines.get(9));
        assertFalse(text().contains("\r"));
    }

    /** An epoch's lines come no closer than {@link ProgressOutput#EPOCH_GAP_NANOS}: a short epoch is one line. */
    @Test
    void withAGapAShortEpochIsOneLineAndALongOneHasItsStepsNoCloserThanTheGap() {
        // 100 batches of 20 ms: 2 s in all, under the 5 s gap
        ProgressOutput fast = output(ProgressOutput.Mode.LINES, "epoch 1/2", ProgressOutput.Unit.count("img"), 10)
                .atMostEvery(ProgressOutput.EPOCH_GAP_NANOS);
        fast.update(0, 6_400);
        for (int batch = 1; batch <= 100; batch++) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(20));
            fast.update(batch * 64L, 6_400);
        }
        fast.finish();
        assertEquals(List.of("epoch 1/2: 6,400 img in 0:00:02 (3,200 img/s)"), text().lines().toList());
        buf.reset();
        // 100 batches of 200 ms: 20 s; its 10% steps (every 2 s) are thinned to one line per 5 s
        ProgressOutput slow = output(ProgressOutput.Mode.LINES, "epoch 2/2", ProgressOutput.Unit.count("img"), 10)
                .atMostEvery(ProgressOutput.EPOCH_GAP_NANOS);
        long start = now.get();
        slow.update(0, 6_400);
        List<Long> at = new ArrayList<>();
        for (int batch = 1; batch <= 100; batch++) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(200));
            int before = text().length();
            slow.update(batch * 64L, 6_400);
            if (text().length() > before) {
                at.add(now.get() - start);
            }
        }
        slow.finish();
        List<String> lines = text().lines().toList();
        assertEquals(List.of("epoch 2/2: 25% 1,600 of 6,400 img, 320 img/s, ETA 0:00:15",
                "epoch 2/2: 50% 3,200 of 6,400 img, 320 img/s, ETA 0:00:10",
                "epoch 2/2: 75% 4,800 of 6,400 img, 320 img/s, ETA 0:00:05",
                "epoch 2/2: 6,400 img in 0:00:20 (320 img/s)"), lines);
        for (int i = 0; i < at.size(); i++) {
            long previous = i == 0 ? 0 : at.get(i - 1);
            assertTrue(at.get(i) - previous >= ProgressOutput.EPOCH_GAP_NANOS, "lines " + at);
        }
        assertFalse(text().contains("\r"));
        // without the gap the same epoch has a line at each of its nine steps
        buf.reset();
        ProgressOutput every = output(ProgressOutput.Mode.LINES, "epoch 2/2", ProgressOutput.Unit.count("img"), 10);
        every.update(0, 6_400);
        for (int batch = 1; batch <= 100; batch++) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(200));
            every.update(batch * 64L, 6_400);
        }
        every.finish();
        assertEquals(10, text().lines().count(), text());
        assertThrows(IllegalArgumentException.class, () -> every.atMostEvery(-1));
    }

    @Test
    void aTerminalGetsOneBarRedrawnInPlaceAndEndedByANewline() {
        ProgressOutput p = output(ProgressOutput.Mode.BAR, "model.pth", ProgressOutput.Unit.bytes(), 10)
                .opening("downloading model.pth");
        p.update(0, 2_000_000);
        for (long b = 100_000; b <= 2_000_000; b += 100_000) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100)); // a redraw every 200 ms at most
            p.update(b, 2_000_000);
        }
        p.finish();
        String s = text();
        assertFalse(s.contains("downloading"), "no log lines at a terminal: " + s);
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), "one line, redrawn: " + s);
        assertTrue(s.endsWith("\n"), s);
        String[] draws = s.substring(1, s.length() - 1).split("\r");
        assertEquals(1 + 10 + 1, draws.length, s); // the first drawing, every 200 ms, the last one
        assertTrue(draws[0].startsWith("model.pth   0% [>                       ] 0.0 MB of 2.0 MB"), draws[0]);
        assertTrue(draws[5].startsWith("model.pth  50% [============>           ] 1.0 MB of 2.0 MB, 1.0 MB/s, ETA 0:00:01"),
                draws[5]);
        assertTrue(draws[11].startsWith("model.pth 100% [========================] 2.0 MB of 2.0 MB, 1.0 MB/s"),
                draws[11]);
    }

    @Test
    void aShorterRedrawClearsWhatTheLongerOneLeft() {
        ProgressOutput p = output(ProgressOutput.Mode.BAR, "x", ProgressOutput.Unit.count("img"), 10);
        p.message("a long message that will go away");
        p.update(1, 10);
        int first = text().length();
        p.message("");
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        p.update(2, 10);
        String second = text().substring(first);
        assertEquals(first, second.length(), "the second drawing covers the first: " + text());
        assertTrue(second.stripTrailing().endsWith("img/s, ETA 0:00:08"), second);
    }

    @Test
    void noneWritesNothingAndTheSettingIsChecked() {
        ProgressOutput p = output(ProgressOutput.Mode.NONE, "x", ProgressOutput.Unit.bytes(), 10).opening("x");
        p.update(0, 10);
        p.update(10, 10);
        p.finish();
        assertEquals("", text());

        String old = System.getProperty("convnet4j.progress");
        try {
            System.setProperty("convnet4j.progress", "lines");
            assertEquals(ProgressOutput.Mode.LINES, ProgressOutput.Mode.forStderr());
            System.setProperty("convnet4j.progress", "none");
            assertEquals(ProgressOutput.Mode.NONE, ProgressOutput.Mode.forStderr());
            System.setProperty("convnet4j.progress", "BAR");
            assertEquals(ProgressOutput.Mode.BAR, ProgressOutput.Mode.forStderr());
            System.setProperty("convnet4j.progress", "fancy\u001b]0;x");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    ProgressOutput.Mode::forStderr);
            assertTrue(e.getMessage().startsWith("CONVNET4J_PROGRESS='fancy\\x1b]0;x': give bar, lines or none"),
                    e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty("convnet4j.progress");
            } else {
                System.setProperty("convnet4j.progress", old);
            }
        }
    }

    @Test
    void theLauncherSaysWhetherStderrIsATerminal() {
        String old = System.getProperty("convnet4j.stderr.terminal");
        String mode = System.getProperty("convnet4j.progress");
        try {
            System.clearProperty("convnet4j.progress");
            System.setProperty("convnet4j.stderr.terminal", "true");
            assertTrue(ProgressOutput.stderrIsTerminal());
            System.setProperty("convnet4j.stderr.terminal", "false");
            assertFalse(ProgressOutput.stderrIsTerminal());
            // when the environment sets CONVNET4J_PROGRESS it wins, as documented
            if (System.getenv("CONVNET4J_PROGRESS") == null) {
                assertEquals(ProgressOutput.Mode.LINES, ProgressOutput.Mode.forStderr());
            }
        } finally {
            if (old == null) {
                System.clearProperty("convnet4j.stderr.terminal");
            } else {
                System.setProperty("convnet4j.stderr.terminal", old);
            }
            if (mode != null) {
                System.setProperty("convnet4j.progress", mode);
            }
        }
    }
}
