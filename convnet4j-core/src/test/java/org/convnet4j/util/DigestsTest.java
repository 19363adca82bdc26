package org.convnet4j.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigestsTest {
    // FIPS 180-2 appendix B.1 and RFC 1321 appendix A.5: the published digests of "abc" and of nothing
    private static final String SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private static final String SHA256_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final String MD5_ABC = "900150983cd24fb0d6963f7d28e17f72";
    // FIPS 180-2 appendix B.3: one million 'a's (more than 15 of the 64 KiB pieces a file is read in)
    private static final String SHA256_MILLION_A = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

    @TempDir
    Path dir;

    @Test
    void textBytesAndFilesGiveThePublishedSums() throws Exception {
        assertEquals(SHA256_ABC, Digests.sha256Hex("abc"));
        assertEquals(SHA256_ABC, Digests.sha256Hex("abc".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(SHA256_EMPTY, Digests.sha256Hex(new byte[0]));
        Path abc = Files.write(dir.resolve("abc"), "abc".getBytes(StandardCharsets.US_ASCII));
        assertEquals(SHA256_ABC, Digests.sha256Hex(abc));
        assertEquals(MD5_ABC, Digests.fileHex(abc, "MD5"));
        assertEquals(SHA256_EMPTY, Digests.sha256Hex(Files.write(dir.resolve("empty"), new byte[0])));
    }

    @Test
    void aFileOfManyPiecesIsReadOnceForEveryAlgorithm() throws Exception {
        byte[] a = new byte[1_000_000];
        Arrays.fill(a, (byte) 'a');
        Path f = Files.write(dir.resolve("million"), a);
        Map<String, String> both = Digests.fileHex(f, List.of("SHA-256", "MD5"));
        assertEquals(List.of("SHA-256", "MD5"), List.copyOf(both.keySet()), "in the order asked");
        assertEquals(SHA256_MILLION_A, both.get("SHA-256"));
        assertEquals(Digests.hex(Digests.of("MD5").digest(a)), both.get("MD5"));
    }

    @Test
    void hexIsLowerCaseTwoDigitsAByteAndTheDigestStartsAgain() {
        assertEquals("00ff0a7f80", Digests.hex(new byte[] {0, -1, 10, 127, -128}));
        var d = Digests.sha256();
        d.update("abc".getBytes(StandardCharsets.US_ASCII));
        assertEquals(SHA256_ABC, Digests.hex(d));
        assertEquals(SHA256_EMPTY, Digests.hex(d), "hex(digest) resets it, as MessageDigest.digest() does");
    }

    @Test
    void anUnknownAlgorithmIsNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Digests.of("SHA-999"));
        assertTrue(e.getMessage().contains("SHA-999"), e.getMessage());
    }
}
