package org.convnet4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bodies over the limit, on a raw socket so that what the server has read is known: the 413 comes before the
 * client has sent limit + 1 bytes when the length is declared, and as soon as the limit is crossed when the body is
 * chunked; the client may go on sending (it is read and dropped) and still gets the answer. The same on the v2
 * fast path and on Javalin's routes (the picture endpoint).
 */
class BodyLimitTest {
    private static final int LIMIT = 1 << 20;
    private static ModelServer server;

    @BeforeAll
    static void start() throws IOException {
        ModelServer.Options o = new ModelServer.Options();
        o.port = 0;
        o.maxBodyBytes = LIMIT;
        server = ModelServer.start(Map.of("lenet", TestModels.lenet(1)), o);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aDeclaredLengthOverTheLimitIsAnsweredBeforeTheBodyIsSent() throws Exception {
        declaredLengthOverTheLimit("/v2/models/lenet/infer", "application/json");
    }

    @Test
    void aPictureOverTheLimitIsAnsweredBeforeItIsSentAndThenDrained() throws Exception {
        // the picture endpoint is one of Javalin's routes (not the v2 fast path): the same 413, then the same drain
        declaredLengthOverTheLimit("/predictions/lenet", "image/png");
    }

    @Test
    void aChunkedPictureIsRefusedOnceItCrossesTheLimit() throws Exception {
        chunkedOverTheLimit("/predictions/lenet");
    }

    private static void declaredLengthOverTheLimit(String path, String type) throws Exception {
        long declared = 8L * LIMIT;
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: " + type + "\r\n"
                    + "Content-Length: " + declared + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            // 1000 bytes sent of 8 MiB: the answer cannot have waited for limit + 1 bytes
            String answer = SelectorPathTest.readResponse(s.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertTrue(answer.contains("the limit is " + LIMIT), answer);
            assertTrue(answer.toLowerCase().contains("connection: close"), answer);
            // the client may still send its whole body: read and dropped, no reset under it
            byte[] piece = new byte[64 << 10];
            for (long sent = 1000; sent < declared; sent += piece.length) {
                out.write(piece, 0, (int) Math.min(piece.length, declared - sent));
            }
            out.flush();
            assertEquals(-1, s.getInputStream().read(), "the connection closes after the refused body");
        }
    }

    @Test
    void aChunkedBodyIsRefusedOnceItCrossesTheLimit() throws Exception {
        chunkedOverTheLimit("/v2/models/lenet/infer");
    }

    private static void chunkedOverTheLimit(String path) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] piece = new byte[64 << 10];
            byte[] head = (Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int sent = 0; sent <= LIMIT + piece.length; sent += piece.length) {
                out.write(head);
                out.write(piece);
                out.write(crlf);
            }
            out.flush();
            // the body has not ended (no last chunk): the answer comes because the limit was crossed
            String answer = SelectorPathTest.readResponse(s.getInputStream());
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertTrue(answer.contains("larger than the limit of " + LIMIT), answer);
            for (int i = 0; i < 32; i++) {
                out.write(head);
                out.write(piece);
                out.write(crlf);
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals(-1, s.getInputStream().read(), "the connection closes after the refused body");
        }
    }

    @Test
    void aClientThatSendsItsWholeBodyFirstGetsThe413() throws Exception {
        // java.net.http sends the whole body before reading: with the rest left unread the connection was reset
        // under it now and then ("header parser received no bytes")
        HttpClient http = HttpClient.newHttpClient();
        byte[] body = new byte[2 * LIMIT];
        for (String path : new String[] {"/v2/models/lenet/infer", "/predictions/lenet"}) {
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + path))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(413, r.statusCode(), path + ": " + r.body());
            }
        }
    }
}
