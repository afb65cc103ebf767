package sandboxexecutor.net;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A JDK HttpServer on 127.0.0.1 with canned routes that records every request path. */
final class PageServer implements AutoCloseable {
  @FunctionalInterface
  interface Handler {
    void handle(HttpExchange exchange) throws Exception;
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final List<String> requests = new CopyOnWriteArrayList<>();

  PageServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.start();
  }

  PageServer route(String path, Handler handler) {
    server.createContext(path, exchange -> {
      try (exchange) {
        requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
        handler.handle(exchange);
      } catch (Exception e) {
        throw new IOException(e);
      }
    });
    return this;
  }

  PageServer page(String path, int status, String contentType, String body) {
    return route(path, exchange -> send(exchange, status, contentType, body.getBytes(StandardCharsets.UTF_8)));
  }

  PageServer page(String path, String contentType, String body, Charset charset) {
    return route(path, exchange -> send(exchange, 200, contentType, body.getBytes(charset)));
  }

  PageServer redirect(String path, String location) {
    return route(path, exchange -> {
      exchange.getResponseHeaders().add("Location", location);
      exchange.sendResponseHeaders(302, -1);
    });
  }

  /** Accepts the request and never answers until the server is closed. */
  PageServer hang(String path) {
    return route(path, exchange -> closed.await());
  }

  static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    if (contentType != null) exchange.getResponseHeaders().add("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) exchange.getResponseBody().write(body);
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  int port() {
    return server.getAddress().getPort();
  }

  List<String> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    closed.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
