// The HTTP stack alone, as a floor for what a served request costs: a bare Jetty 12 server (the Jetty of the
// convnet4j jar, no Javalin, no model) that reads and drops each request's body and answers every POST with the
// same bytes and headers a served one-sample LeNet-5 request gets (200, Content-Type, Content-Length,
// Inference-Header-Content-Length, Keep-Alive), on the selector thread that read the request, as the server's fast
// path runs (a handler that never blocks); read buffer 32 KiB, keep-alive 1260 s, in-request idle timeout 30 s, as
// 'convnet4j serve' sets them. Used by bench/serve-floor.sh.
//   java -cp convnet4j.jar bench/HttpFloor.java PORT ANSWER_FILE JSON_LENGTH
// (ANSWER_FILE: the body to answer with; JSON_LENGTH: its Inference-Header-Content-Length, -1 for none.) Prints
// "ready" once listening and runs until killed.
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

public class HttpFloor {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        byte[] answer = Files.readAllBytes(Path.of(args[1]));
        int jsonLength = Integer.parseInt(args[2]);
        Server server = new Server(new QueuedThreadPool(250, 8, 60_000));
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setIdleTimeout(30_000);
        PreEncodedHttpField keepAlive = new PreEncodedHttpField(HttpHeader.KEEP_ALIVE, "timeout=1260");
        http.addCustomizer((request, responseHeaders) -> {
            responseHeaders.add(keepAlive);
            return request;
        });
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        h1.setInputBufferSize(32 << 10);
        ServerConnector connector = new ServerConnector(server, h1);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setIdleTimeout(1_260_000);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Source.consumeAll(request, Callback.from(() -> {
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE,
                            jsonLength >= 0 ? "application/octet-stream" : "application/json");
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, answer.length);
                    if (jsonLength >= 0) {
                        response.getHeaders().put("Inference-Header-Content-Length", Integer.toString(jsonLength));
                    }
                    response.write(true, ByteBuffer.wrap(answer), callback);
                }, callback::failed));
                return true;
            }
        });
        server.start();
        System.out.println("ready");
        server.join();
    }
}
