package sandboxexecutor.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.testing.FakeAnthropic;

/** The server process is killed with SIGKILL mid-execution and restarted: the record ends interrupted. */
class CrashRecoveryTest {
  @TempDir Path data;
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void an_execution_running_when_the_process_is_killed_is_interrupted_after_restart() throws Exception {
    try (var claude = new FakeAnthropic()) {
      claude.respondWith(request -> endTurn("too late").withLatency(Duration.ofSeconds(30)));
      int port = freePort();
      Process server = start(claude, port);
      String id;
      try {
        var accepted = post(port, "{\"prompt\":\"crash during me\",\"async\":true}");
        id = accepted.get("request_id").asText();
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!"running".equals(get(port, "/executions/" + id).path("status").asText())) {
          assertTrue(System.nanoTime() < until, "never started running");
          Thread.sleep(50);
        }
      } finally {
        server.destroyForcibly(); // SIGKILL: no shutdown hook runs
        server.waitFor();
      }
      Process again = start(claude, port);
      try {
        JsonNode record = get(port, "/executions/" + id);
        assertEquals("interrupted", record.get("status").asText(), record.toString());
        assertEquals("INTERRUPTED", record.get("error_code").asText());
        assertEquals(0, get(port, "/executions?status=running").get("executions").size(), "nothing is stuck running");
      } finally {
        again.destroy();
        again.waitFor();
      }
    }
  }

  Process start(FakeAnthropic claude, int port) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), "sandboxexecutor.Main"))
        .redirectErrorStream(true).redirectOutput(data.resolve("server.log").toFile());
    builder.environment().clear();
    builder.environment().putAll(Map.of("PORT", Integer.toString(port), "DATA_DIR", data.toString(),
        "ANTHROPIC_API_KEY", "sk-test", "ANTHROPIC_BASE_URL", claude.url(), "PATH", System.getenv("PATH"),
        "LOG_LEVEL", "WARN"));
    Process process = builder.start();
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < until) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return process;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
      if (!process.isAlive()) break;
    }
    process.destroyForcibly();
    throw new AssertionError("server did not start: " + Files.readString(data.resolve("server.log")));
  }

  JsonNode post(int port, String json) throws Exception {
    var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/execute/sdk"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
    return Json.MAPPER.readTree(response.body());
  }

  JsonNode get(int port, String path) throws Exception {
    var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    return Json.MAPPER.readTree(response.body());
  }

  static int freePort() throws IOException {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
