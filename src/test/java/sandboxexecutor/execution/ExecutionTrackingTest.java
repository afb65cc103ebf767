package sandboxexecutor.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;
import static sandboxexecutor.testing.FakeAnthropic.toolUse;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sandboxexecutor.testing.TestApp;

/**
 * Executions recorded from acceptance to a terminal state, looked up, listed, cancelled and deduplicated,
 * through the real server. Runs on SQLite here and on PostgreSQL in {@link PostgresExecutionTrackingTest}.
 */
class ExecutionTrackingTest {
  static final Map<String, Object> TODO = Map.of("todos", List.of(Map.of("content", "a", "status", "pending", "activeForm", "doing a")));
  TestApp t;

  Map<String, String> env() {
    return Map.of();
  }

  @BeforeEach
  void start() throws Exception {
    var env = new HashMap<>(env());
    env.put("MAX_CONCURRENT_SANDBOX_EXECUTIONS", "1");
    env.put("MAX_QUEUED_EXECUTIONS", "2");
    t = TestApp.start(env);
  }

  @AfterEach
  void stop() throws Exception {
    t.close();
  }

  JsonNode awaitStatus(String id, String... statuses) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < until) {
      JsonNode record = t.get("/executions/" + id).json();
      for (String s : statuses) if (s.equals(record.path("status").asText())) return record;
      Thread.sleep(25);
    }
    throw new AssertionError(id + " never reached " + List.of(statuses) + ": " + t.get("/executions/" + id).raw());
  }

  @Test
  void a_sync_execution_is_recorded_with_its_result_transcript_cost_and_tenant() {
    t.claude.reply(toolUse("t1", "TodoWrite", TODO), endTurn("done"));
    var r = t.post("/execute/sdk", Map.of("prompt", "track me", "instance_id", "inst-1", "project_id", "proj-9"));
    assertEquals(200, r.status(), r.raw());
    String id = r.json().get("request_id").asText();
    JsonNode record = t.get("/executions/" + id).json();
    assertEquals("succeeded", record.get("status").asText());
    assertEquals("sdk", record.get("mode").asText());
    assertEquals("inst-1", record.get("instance_id").asText());
    assertEquals("proj-9", record.get("project_id").asText());
    assertEquals(2, record.get("num_turns").asInt());
    assertEquals(r.json().get("metadata").get("total_cost_usd").asDouble(), record.get("total_cost_usd").asDouble(), 1e-12);
    assertEquals("track me", record.get("request").get("prompt").asText());
    assertEquals("done", record.get("result").get("result").asText());
    assertEquals(5, record.get("messages").size());
    assertNotNull(record.get("started_at").asText());
    assertTrue(record.get("duration_ms").asLong() >= 0);
  }

  @Test
  void every_terminal_status_is_recorded() throws Exception {
    t.claude.reply(toolUse("t1", "TodoWrite", TODO));
    var failed = t.post("/execute/sdk", Map.of("prompt", "fail", "options", Map.of("max_turns", 1)));
    assertEquals("failed", t.get("/executions/" + failed.json().get("request_id").asText()).json().get("status").asText());
    assertEquals("error_max_turns", t.get("/executions/" + failed.json().get("request_id").asText()).json().get("subtype").asText());

    t.claude.reply(endTurn("late").withLatency(Duration.ofSeconds(3)));
    var timedOut = t.post("/execute/sdk", Map.of("prompt", "slow", "options", Map.of("timeout_ms", 1000)));
    assertEquals(504, timedOut.status());
    JsonNode record = t.get("/executions/" + timedOut.json().get("request_id").asText()).json();
    assertEquals("timed_out", record.get("status").asText());
    assertEquals("EXECUTION_TIMEOUT", record.get("error_code").asText());
    Thread.sleep(2500); // let the fake finish the slow reply it is sending
    t.claude.reply(new sandboxexecutor.testing.FakeAnthropic.Failure(500, "api_error", "boom", Map.of()));
    var upstream = t.post("/execute/sdk", Map.of("prompt", "x"));
    assertEquals(502, upstream.status());
    assertEquals("failed", t.get("/executions/" + upstream.json().get("request_id").asText()).json().get("status").asText());
  }

  @Test
  void an_async_sandbox_command_that_would_sleep_a_minute_is_cancelled_within_a_second() throws Exception {
    SandboxTesting.assumeBubblewrap();
    t.claude.reply(toolUse("w1", "Write", Map.of("file_path", "before.txt", "content", "kept")),
        toolUse("b1", "Bash", Map.of("command", "sleep 60", "timeout", 120_000)));
    var accepted = t.post("/execute", Map.of("task", "sleep", "async", true));
    assertEquals(202, accepted.status(), accepted.raw());
    String id = accepted.json().get("request_id").asText();
    assertEquals("/executions/" + id, accepted.header("Location"));
    awaitBash(2);
    long started = System.nanoTime();
    var cancelled = t.post("/executions/" + id + "/cancel", Map.of());
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertEquals(200, cancelled.status(), cancelled.raw());
    assertEquals("cancelled", cancelled.json().get("status").asText());
    assertTrue(tookMs < 1500, "cancel took " + tookMs + " ms");
    JsonNode record = t.get("/executions/" + id).json();
    assertTrue(record.get("diff").asText().contains("before.txt"), "the diff so far is kept: " + record);
    assertTrue(record.get("messages").size() >= 3, "the partial transcript is kept");
    assertEquals(409, t.post("/executions/" + id + "/cancel", Map.of()).status(), "an ended execution cannot be cancelled again");
  }

  void awaitBash(int requests) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (t.claude.requests().size() < requests && System.nanoTime() < until) Thread.sleep(10);
    Thread.sleep(300); // the Bash call is now running its sleep
  }

  @Test
  void a_queued_execution_can_be_deleted_and_a_full_queue_answers_503_with_retry_after() throws Exception {
    SandboxTesting.assumeBubblewrap();
    t.claude.reply(toolUse("b1", "Bash", Map.of("command", "sleep 30")));
    String running = t.post("/execute", Map.of("task", "hold the only slot", "async", true)).json().get("request_id").asText();
    awaitStatus(running, "running");
    String queued1 = t.post("/execute", Map.of("task", "wait 1", "async", true)).json().get("request_id").asText();
    String queued2 = t.post("/execute", Map.of("task", "wait 2", "async", true)).json().get("request_id").asText();
    var full = t.post("/execute", Map.of("task", "no room", "async", true));
    assertEquals(503, full.status(), full.raw());
    assertEquals("QUEUE_FULL", full.json().get("error_code").asText());
    assertEquals("5", full.header("Retry-After"));
    assertEquals("queued", t.get("/executions/" + queued1).json().get("status").asText());
    var deleted = t.send(HttpRequest.newBuilder(URI.create(t.url("/executions/" + queued1))).DELETE());
    assertEquals(200, deleted.status(), deleted.raw());
    assertEquals("cancelled", deleted.json().get("status").asText());
    for (String id : List.of(queued2, running)) t.post("/executions/" + id + "/cancel", Map.of());
    awaitStatus(running, "cancelled");
    awaitStatus(queued2, "cancelled");
  }

  @Test
  void the_same_idempotency_key_returns_the_first_execution_and_a_different_body_is_409() throws Exception {
    t.claude.reply(endTurn("once"));
    var first = t.send(HttpRequest.newBuilder(URI.create(t.url("/execute/sdk"))).header("Content-Type", "application/json")
        .header("Idempotency-Key", "order-42").POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"pay\"}")));
    assertEquals(200, first.status(), first.raw());
    var again = t.send(HttpRequest.newBuilder(URI.create(t.url("/execute/sdk"))).header("Content-Type", "application/json")
        .header("Idempotency-Key", "order-42").POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"pay\"}")));
    assertEquals(200, again.status(), again.raw());
    assertEquals("true", again.header("Idempotent-Replayed"));
    assertEquals(first.json().get("request_id").asText(), again.json().get("id").asText());
    assertEquals("once", again.json().get("result").get("result").asText());
    var other = t.send(HttpRequest.newBuilder(URI.create(t.url("/execute/sdk"))).header("Content-Type", "application/json")
        .header("Idempotency-Key", "order-42").POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"refund\"}")));
    assertEquals(409, other.status(), other.raw());
    assertEquals("IDEMPOTENCY_CONFLICT", other.json().get("error_code").asText());
    assertEquals(1, t.claude.requests().size(), "the model ran once");
    t.claude.assertDone();
  }

  @Test
  void executions_are_listed_newest_first_filtered_and_paginated() throws Exception {
    for (int i = 0; i < 5; i++) t.claude.reply(endTurn("r" + i));
    for (int i = 0; i < 5; i++) {
      assertEquals(200, t.post("/execute/sdk", Map.of("prompt", "p" + i, "instance_id", i % 2 == 0 ? "even" : "odd")).status());
    }
    JsonNode page1 = t.get("/executions?instance_id=even&limit=2").json();
    assertEquals(2, page1.get("executions").size());
    JsonNode page2 = t.get("/executions?instance_id=even&limit=2&cursor=" + page1.get("next").asText()).json();
    assertEquals(1, page2.get("executions").size());
    assertTrue(page2.path("next").isMissingNode() || page2.path("next").isNull(), "the last page has no next");
    assertEquals(List.of("r4", "r2", "r0"), List.of(page1.get("executions").get(0).get("result_summary").asText(),
        page1.get("executions").get(1).get("result_summary").asText(), page2.get("executions").get(0).get("result_summary").asText()));
    assertEquals(2, t.get("/executions?instance_id=odd&status=succeeded&mode=sdk").json().get("executions").size());
    assertEquals(0, t.get("/executions?mode=sandbox").json().get("executions").size());
    assertEquals(0, t.get("/executions?created_from=2099-01-01T00:00:00Z").json().get("executions").size());
    assertEquals(400, t.get("/executions?status=sleeping").status());
    assertEquals(400, t.get("/executions?limit=1000").status());
    assertEquals(400, t.get("/executions?colour=red").status());
    assertEquals(404, t.get("/executions/no-such-id").status());
  }
}
