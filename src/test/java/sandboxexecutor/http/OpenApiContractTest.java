package sandboxexecutor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;
import static sandboxexecutor.testing.FakeAnthropic.toolUse;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sandboxexecutor.testing.FakeAnthropic;
import sandboxexecutor.testing.OpenApiContract;
import sandboxexecutor.testing.TestApp;

/** Every endpoint's real responses, error responses included, validated against the served openapi.json. */
class OpenApiContractTest {
  final OpenApiContract contract = new OpenApiContract();
  TestApp t;

  @BeforeEach
  void start() throws Exception {
    t = TestApp.start(Map.of("ALLOW_PRIVATE_NETWORKS", "true"));
  }

  @AfterEach
  void stop() throws Exception {
    t.close();
  }

  @Test
  void the_served_document_is_the_one_in_the_repository() {
    var served = t.get("/openapi.json");
    contract.check("GET", "/openapi.json", served);
    assertEquals(contract.document(), served.json());
    assertEquals("3.1.0", served.json().get("openapi").asText());
  }

  @Test
  void responses_of_every_endpoint_match_the_document() throws Exception {
    contract.check("GET", "/health", t.get("/health"));
    contract.check("GET", "/ready", t.get("/ready"));
    contract.check("GET", "/metrics", t.get("/metrics"));

    t.claude.reply(toolUse("t1", "TodoWrite", Map.of("todos", List.of(Map.of("content", "a", "status", "completed", "activeForm", "a")))),
        endTurn("4"));
    var ok = t.post("/execute/sdk", Map.of("prompt", "2+2"));
    contract.check("POST", "/execute/sdk", ok);
    String id = ok.json().get("request_id").asText();
    t.claude.reply(toolUse("t2", "TodoWrite", Map.of("todos", List.of())));
    contract.check("POST", "/execute/sdk", t.post("/execute/sdk", Map.of("prompt", "x", "options", Map.of("max_turns", 1))));
    contract.check("POST", "/execute/sdk", t.post("/execute/sdk", Map.of("prompt", 1)));
    contract.check("POST", "/execute/sdk", t.send(HttpRequest.newBuilder(URI.create(t.url("/execute/sdk")))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("x"))));
    contract.check("POST", "/execute/sdk", t.post("/execute/sdk", "{\"prompt\":\"" + "x".repeat(2_000_000) + "\"}"));
    t.claude.reply(new FakeAnthropic.Failure(500, "api_error", "boom", Map.of()));
    contract.check("POST", "/execute/sdk", t.post("/execute/sdk", Map.of("prompt", "x")));
    t.claude.reply(new FakeAnthropic.Failure(429, "rate_limit_error", "slow", Map.of("retry-after", "3")));
    contract.check("POST", "/execute/sdk", t.post("/execute/sdk", Map.of("prompt", "x")));
    t.claude.reply(endTurn("late").withLatency(Duration.ofMillis(2500)));
    contract.check("POST", "/execute/sdk", t.post("/execute/sdk", Map.of("prompt", "x", "options", Map.of("timeout_ms", 1000))));
    Thread.sleep(1600);

    t.claude.reply(endTurn("queued"));
    var accepted = t.post("/tasks", Map.of("prompt", "later"));
    contract.check("POST", "/tasks", accepted);
    contract.check("POST", "/tasks", t.post("/tasks", Map.of("neither", 1)));

    contract.check("POST", "/execute", t.post("/execute", Map.of("task", "x", "repo", "file:///etc")));
    contract.check("POST", "/execute", t.post("/execute", Map.of("task", "x", "repo", "http://127.0.0.1:9/nothing.git")));

    contract.check("GET", "/executions", t.get("/executions"));
    contract.check("GET", "/executions", t.get("/executions?limit=0"));
    contract.check("GET", "/executions/{id}", t.get("/executions/" + id));
    contract.check("GET", "/executions/{id}", t.get("/executions/missing"));
    contract.check("POST", "/executions/{id}/cancel", t.post("/executions/" + id + "/cancel", Map.of()));
    contract.check("POST", "/executions/{id}/cancel", t.post("/executions/missing/cancel", Map.of()));
    contract.check("DELETE", "/executions/{id}", t.send(HttpRequest.newBuilder(URI.create(t.url("/executions/" + id))).DELETE()));
    contract.check("GET", "/executions/{id}/events", t.get("/executions/missing/events"));
    contract.check("GET", "/executions/{id}/events", t.get("/executions/" + id + "/events"));
  }

  @Test
  void authentication_and_rate_limit_errors_match_the_document() throws Exception {
    try (var keyed = TestApp.start(Map.of("API_KEYS", "ci:sk-contract-key-0123456789:inst-a", "RATE_LIMIT_PER_MINUTE", "2"))) {
      contract.check("GET", "/executions", keyed.get("/executions"));
      contract.check("GET", "/executions", keyed.bearer("sk-contract-key-0123456789").get("/executions?instance_id=inst-b"));
      contract.check("GET", "/executions", keyed.bearer("sk-contract-key-0123456789").get("/executions"));
      contract.check("GET", "/executions", keyed.bearer("sk-contract-key-0123456789").get("/executions"));
    }
  }

  @Test
  void the_check_fails_on_an_undocumented_status_or_a_body_that_does_not_match() {
    var json = Map.of("Content-Type", List.of("application/json"));
    var wrongBody = new TestApp.Response(200, json, "{\"status\":\"fine\"}");
    org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> contract.check("GET", "/health", wrongBody));
    var undocumented = new TestApp.Response(418, json, "{}");
    org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> contract.check("GET", "/health", undocumented));
  }

  @Test
  void a_sandbox_execution_matches_the_document() throws Exception {
    sandboxexecutor.execution.SandboxTestingAccess.assumeBubblewrap();
    t.claude.reply(toolUse("w1", "Write", Map.of("file_path", "a.txt", "content", "a")), endTurn("wrote"));
    contract.check("POST", "/execute", t.post("/execute", Map.of("task", "write", "options", Map.of("verify", "test -f a.txt", "setup", List.of("true")))));
  }
}
