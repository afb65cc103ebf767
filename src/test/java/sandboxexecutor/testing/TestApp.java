package sandboxexecutor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import sandboxexecutor.Main;
import sandboxexecutor.protocol.Json;

/**
 * The real service, wired by {@link Main#wire}, on a random port, talking to a {@link FakeAnthropic} through the
 * official SDK; plus a small HTTP client for the tests.
 */
public final class TestApp implements AutoCloseable {
  public final FakeAnthropic claude;
  public final Main.App app;
  public final Path dataDir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public record Response(int status, Map<String, java.util.List<String>> headers, String raw) {
    public JsonNode json() {
      try {
        return Json.MAPPER.readTree(raw);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + raw, e);
      }
    }

    public String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }
  }

  public static TestApp start(Map<String, String> env) throws Exception {
    return new TestApp(env);
  }

  public static TestApp start() throws Exception {
    return new TestApp(Map.of());
  }

  private TestApp(Map<String, String> overrides) throws Exception {
    claude = new FakeAnthropic();
    dataDir = Files.createTempDirectory("se-test-");
    // sandbox uids must traverse the data directory to reach their workspace (but not list it)
    Files.setPosixFilePermissions(dataDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    var env = new HashMap<String, String>();
    env.put("PORT", "0");
    env.put("ANTHROPIC_API_KEY", "sk-test-not-a-real-key");
    env.put("ANTHROPIC_BASE_URL", claude.url());
    env.put("ANTHROPIC_MAX_RETRIES", "0");
    env.put("DATA_DIR", dataDir.toString());
    env.putAll(overrides);
    env.values().removeIf(v -> v == null);
    try {
      var startup = Main.Startup.from(env);
      app = Main.wire(startup, Main.anthropic(startup.config()));
    } catch (Exception | Error e) {
      claude.close();
      throw e;
    }
  }

  /** A client that sends {@code Authorization: Bearer <key>}. */
  public Client bearer(String key) {
    return new Client("Authorization", "Bearer " + key);
  }

  /** A client that sends {@code X-API-Key: <key>}. */
  public Client apiKey(String key) {
    return new Client("X-API-Key", key);
  }

  /** Requests with one credential header. */
  public final class Client {
    private final String header;
    private final String value;

    Client(String header, String value) {
      this.header = header;
      this.value = value;
    }

    public Response get(String path) {
      return send(HttpRequest.newBuilder(URI.create(url(path))).GET());
    }

    public Response post(String path, Object body) {
      try {
        return send(HttpRequest.newBuilder(URI.create(url(path))).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body))));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }

    public Response delete(String path) {
      return send(HttpRequest.newBuilder(URI.create(url(path))).DELETE());
    }

    public Response send(HttpRequest.Builder request) {
      return TestApp.this.send(request.header(header, value));
    }
  }

  public String url(String path) {
    return "http://127.0.0.1:" + app.port() + path;
  }

  public Response post(String path, String body) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  public Response post(String path, Object body) {
    try {
      return post(path, Json.MAPPER.writeValueAsString(body));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  public Response get(String path) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).GET());
  }

  public Response send(HttpRequest.Builder request) {
    try {
      var response = http.send(request.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.headers().map(), response.body());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() throws IOException {
    app.close();
    claude.close();
    try (var files = Files.walk(dataDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
