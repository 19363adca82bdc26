package org.convnet4j.serve;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import org.convnet4j.tensor.Shape;
import org.convnet4j.tensor.Tensor;

/**
 * Coverage-guided fuzz target of the server's v2 request parser ({@link InferenceProtocol#parseRequest}), the bytes
 * every client sends, for a model whose input is [N, 1, 2, 3] and at most 4 samples a request. An input's first byte
 * picks the form: {@code 'B'} then two bytes of {@code Inference-Header-Content-Length} (the binary tensor data
 * extension), anything else a JSON body after that byte. The parser may only return a request of the model's shape
 * with finite values, or refuse with a 400 of one short line (the client's text clipped); any other exception,
 * out-of-memory or stack overflow is a finding.
 *
 * <p>Not a {@code *Test}: Jazzer's start costs 30-40 s in serve's test JVM (loaded), so a normal build replays the
 * committed corpus ({@code src/test/resources/org/convnet4j/serve/V2RequestFuzzInputs/v2Request/}, written by
 * {@code tools/fixtures/v2_request_corpus.py}, plus findings) through {@link #check} in {@code V2RequestCorpusTest}
 * instead, in a second or two; {@code -Dtest=V2RequestFuzz} runs it under Jazzer, {@code JAZZER_FUZZ=1} fuzzes
 * (docs/ROBUSTNESS.md has the command).
 */
class V2RequestFuzz {
    private static final Shape SAMPLE = Shape.of(1, 2, 3);
    private static final int MAX_SAMPLES = 4;
    /** The longest refusal: the parser's own words plus client text clipped to a few dozen characters. */
    static final int MAX_MESSAGE = 400;

    @FuzzTest(maxDuration = "30s")
    void v2Request(byte[] data) {
        check(data);
    }

    /** One input: parsed to a request of the model's shape with finite values, or a 400 of one short clean line. */
    static void check(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int jsonLength = -1;
        byte[] body = Arrays.copyOfRange(data, 1, data.length);
        if (data[0] == 'B' && data.length >= 3) {
            jsonLength = ((data[1] & 0xff) << 8) | (data[2] & 0xff);
            body = Arrays.copyOfRange(data, 3, data.length);
        }
        InferenceProtocol.Request r;
        try {
            r = InferenceProtocol.parseRequest(body, jsonLength, SAMPLE, MAX_SAMPLES);
        } catch (ApiException e) {
            String m = String.valueOf(e.getMessage());
            boolean clean = m.chars().noneMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f));
            if (e.status() != 400 || m.isEmpty() || m.length() > MAX_MESSAGE || !clean) {
                throw new AssertionError("a refusal that is not a 400 of one short clean line: " + e.status() + " "
                        + m.length() + " characters: " + m.substring(0, Math.min(m.length(), 300)), e);
            }
            return;
        }
        Tensor x = r.input();
        int[] d = x.shape().dims();
        if (d.length != 4 || d[0] < 1 || d[0] > MAX_SAMPLES || d[1] != 1 || d[2] != 2 || d[3] != 3) {
            throw new AssertionError("accepted a request of shape " + Arrays.toString(d));
        }
        for (int i = 0; i < x.size(); i++) {
            if (!Float.isFinite(x.data()[i])) {
                throw new AssertionError("accepted a value " + x.data()[i]);
            }
        }
    }
}
