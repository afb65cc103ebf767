package sandboxexecutor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import sandboxexecutor.Main;
import sandboxexecutor.protocol.Json;

/**
 * The real service, wired by {@link Main#wire}, on a random port, talking to a {@link FakeAnthropic} through the
 * official SDK; plus a small HTTP client for the tests (see {@link TestClient}).
 */
public final class TestApp implements AutoCloseable {
  public final FakeAnthropic claude;
  public final Main.App app;
  public final Path dataDir;

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
  public TestClient bearer(String key) {
    return client().bearer(key);
  }

  /** A client that sends {@code X-API-Key: <key>}. */
  public TestClient apiKey(String key) {
    return client().apiKey(key);
  }

  public TestClient client() {
    return new TestClient("http://127.0.0.1:" + app.port());
  }

  public String url(String path) {
    return client().url(path);
  }

  public Response post(String path, String body) {
    return client().post(path, body);
  }

  public Response post(String path, Object body) {
    return client().post(path, body);
  }

  public Response get(String path) {
    return client().get(path);
  }

  public Response send(HttpRequest.Builder request) {
    return client().send(request);
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
