package org.convnet4j.serve;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A plain GET for tests that only need a body. */
final class ModelServerTestHttp {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ModelServerTestHttp() {
    }

    static String get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError(url + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }
}
