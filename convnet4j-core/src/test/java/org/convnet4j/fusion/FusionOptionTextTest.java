package org.convnet4j.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The text forms of fusion's settings parse as documented, and their messages name no command-line option. */
class FusionOptionTextTest {
    @Test
    void corruptions() {
        Corruption.Named n = Corruption.parseNamed("edges=noise:0.5");
        assertEquals("edges", n.input());
        assertEquals("edges noise 0.5", n.label());
        assertEquals("pixels missing (zeros)", Corruption.parseNamed("pixels=ZEROS").label());
        for (String bad : List.of("edges", "=zeros", "edges=noise:x", "edges=blur")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Corruption.parseNamed(bad));
            assertFalse(e.getMessage().startsWith("--"), e.getMessage());
        }
    }

    @Test
    void resizeAndOnMissing() {
        assertArrayEquals(new int[] {64, 32}, FusionSources.parseResize("64x32"));
        assertNull(FusionSources.parseResize(null));
        assertEquals("'0x5' is not HxW with positive sizes (e.g. 64x64)",
                assertThrows(IllegalArgumentException.class, () -> FusionSources.parseResize("0x5")).getMessage());
        assertEquals(PairedFolders.OnMissing.SKIP, PairedFolders.OnMissing.parse("Skip"));
        assertEquals("'maybe' is not skip or fail",
                assertThrows(IllegalArgumentException.class, () -> PairedFolders.OnMissing.parse("maybe")).getMessage());
    }

    @Test
    void sourceMessagesAreTheLibrarys() {
        for (String bad : List.of("", "a=x", "a=x,a=y", "a,b=y")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FusionSources.parse(bad));
            assertFalse(e.getMessage().contains("--inputs"), e.getMessage());
        }
    }
}
