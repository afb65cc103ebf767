package sandboxexecutor.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves the bare repositories under a directory over git's smart HTTP protocol on 127.0.0.1, by running
 * {@code git http-backend} as a CGI for each request, and records each request's Authorization header.
 * With {@code hang}, it accepts requests and never answers until closed.
 */
public final class GitHttpServer implements AutoCloseable {
  /** One request as the server saw it; authorization is "" when the header was absent. */
  public record Request(String method, String path, String authorization) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final Path projectRoot;
  private final boolean hang;
  private final CountDownLatch closed = new CountDownLatch(1);
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private GitHttpServer(Path projectRoot, boolean hang) throws IOException {
    this.projectRoot = projectRoot;
    this.hang = hang;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public static GitHttpServer serving(Path projectRoot) throws IOException {
    return new GitHttpServer(projectRoot, false);
  }

  public static GitHttpServer hanging() throws IOException {
    return new GitHttpServer(Path.of("/nonexistent"), true);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String url(String repo) {
    return "http://127.0.0.1:" + port() + "/" + repo;
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), auth == null ? "" : auth));
      if (hang) {
        closed.await();
        return;
      }
      cgi(exchange);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void cgi(HttpExchange exchange) throws IOException, InterruptedException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    var builder = new ProcessBuilder(TestGit.execPath() + "/git-http-backend");
    var env = builder.environment();
    env.clear();
    env.put("PATH", "/usr/bin:/bin");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_CONFIG_GLOBAL", "/dev/null");
    env.put("GIT_PROJECT_ROOT", projectRoot.toString());
    env.put("GIT_HTTP_EXPORT_ALL", "1");
    env.put("REQUEST_METHOD", exchange.getRequestMethod());
    env.put("PATH_INFO", exchange.getRequestURI().getPath());
    env.put("QUERY_STRING", exchange.getRequestURI().getRawQuery() == null ? "" : exchange.getRequestURI().getRawQuery());
    env.put("REMOTE_ADDR", "127.0.0.1");
    env.put("CONTENT_LENGTH", Integer.toString(body.length));
    var headers = new HashMap<String, String>();
    headers.put("CONTENT_TYPE", "Content-Type");
    headers.put("HTTP_CONTENT_ENCODING", "Content-Encoding");
    headers.put("HTTP_GIT_PROTOCOL", "Git-Protocol");
    headers.forEach((var, header) -> {
      String value = exchange.getRequestHeaders().getFirst(header);
      if (value != null) env.put(var, value);
    });
    builder.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process process = builder.start();
    Thread writer = Thread.ofVirtual().start(() -> {
      try (OutputStream in = process.getOutputStream()) {
        in.write(body);
      } catch (IOException e) {
        // the backend may stop reading early; its answer says why
      }
    });
    byte[] output = process.getInputStream().readAllBytes();
    process.waitFor();
    writer.join();
    respond(exchange, output);
  }

  /** Splits the CGI output into headers (with an optional Status) and body, and sends it. */
  private static void respond(HttpExchange exchange, byte[] output) throws IOException {
    int split = indexOf(output, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    int skip = 4;
    if (split < 0) {
      split = indexOf(output, "\n\n".getBytes(StandardCharsets.US_ASCII));
      skip = 2;
    }
    String head = new String(output, 0, Math.max(split, 0), StandardCharsets.ISO_8859_1);
    int status = 200;
    for (String line : head.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) continue;
      String name = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      if (name.equalsIgnoreCase("Status")) status = Integer.parseInt(value.split(" ")[0]);
      else exchange.getResponseHeaders().add(name, value);
    }
    var body = new ByteArrayOutputStream();
    body.write(output, split + skip, output.length - split - skip);
    exchange.sendResponseHeaders(status, body.size() == 0 ? -1 : body.size());
    if (body.size() > 0) exchange.getResponseBody().write(body.toByteArray());
  }

  private static int indexOf(byte[] data, byte[] pattern) {
    outer:
    for (int i = 0; i + pattern.length <= data.length; i++) {
      for (int j = 0; j < pattern.length; j++) if (data[i + j] != pattern[j]) continue outer;
      return i;
    }
    return -1;
  }

  @Override
  public void close() {
    closed.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
