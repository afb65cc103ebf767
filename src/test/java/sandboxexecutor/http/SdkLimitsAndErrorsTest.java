package sandboxexecutor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;
import static sandboxexecutor.testing.FakeAnthropic.failure;
import static sandboxexecutor.testing.FakeAnthropic.toolUse;
import static sandboxexecutor.testing.FakeAnthropic.turn;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sandboxexecutor.testing.FakeAnthropic;
import sandboxexecutor.testing.TestApp;

class SdkLimitsAndErrorsTest {
  static final Map<String, Object> TODO = Map.of("todos", List.of(Map.of("content", "a", "status", "pending", "activeForm", "doing a")));
  TestApp t;

  @AfterEach
  void stop() throws Exception {
    if (t != null) t.close();
  }

  TestApp app(Map<String, String> env) throws Exception {
    t = TestApp.start(env);
    return t;
  }

  @Test
  void max_turns_reached_is_http_200_with_error_max_turns() throws Exception {
    app(Map.of());
    t.claude.reply(toolUse("t1", "TodoWrite", TODO), toolUse("t2", "TodoWrite", TODO));
    var r = t.post("/execute/sdk", Map.of("prompt", "loop", "options", Map.of("max_turns", 2)));
    assertEquals(200, r.status(), r.raw());
    assertFalse(r.json().get("success").asBoolean());
    assertEquals("error_max_turns", r.json().get("subtype").asText());
    JsonNode result = last(r.json().get("messages"));
    assertEquals("error_max_turns", result.get("subtype").asText());
    assertTrue(result.get("is_error").asBoolean());
    assertEquals(2, result.get("num_turns").asInt());
    assertTrue(result.get("errors").get(0).asText().contains("max_turns"));
    t.claude.assertDone();
  }

  @Test
  void budget_passed_stops_with_error_max_budget_usd() throws Exception {
    app(Map.of());
    // 1M output tokens on sonnet 5.5 cost 10 USD, far past a 1 USD budget
    t.claude.reply(toolUse("t1", "TodoWrite", TODO).withUsage(new FakeAnthropic.Usage(10, 1_000_000, 0, 0, 0)));
    var r = t.post("/execute/sdk", Map.of("prompt", "spend", "options", Map.of("max_budget_usd", 1.0)));
    assertEquals(200, r.status(), r.raw());
    assertEquals("error_max_budget_usd", r.json().get("subtype").asText());
    assertEquals(1, t.claude.requests().size(), "no further model call after the budget is passed");
    t.claude.assertDone();
  }

  @Test
  void deadline_passed_is_504_with_the_partial_transcript() throws Exception {
    app(Map.of());
    t.claude.reply(toolUse("t1", "TodoWrite", TODO), endTurn("late").withLatency(Duration.ofSeconds(5)));
    long started = System.nanoTime();
    var r = t.post("/execute/sdk", Map.of("prompt", "slow", "options", Map.of("timeout_ms", 1000)));
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertEquals(504, r.status(), r.raw());
    assertEquals("EXECUTION_TIMEOUT", r.json().get("error_code").asText());
    assertTrue(tookMs < 4000, "answered after " + tookMs + " ms");
    JsonNode messages = r.json().get("details").get("messages");
    assertEquals(List.of("system", "assistant", "user", "result"), SdkExecuteTest.types(messages));
    assertEquals("error_during_execution", last(messages).get("subtype").asText());
  }

  @Test
  void timeout_ms_is_capped_by_max_execution_time() throws Exception {
    app(Map.of("MAX_EXECUTION_TIME", "1000"));
    t.claude.reply(endTurn("late").withLatency(Duration.ofSeconds(4)));
    var r = t.post("/execute/sdk", Map.of("prompt", "slow", "options", Map.of("timeout_ms", 60_000)));
    assertEquals(504, r.status(), r.raw());
  }

  @Test
  void upstream_429_after_retries_is_429_rate_limited_with_retry_after() throws Exception {
    app(Map.of("ANTHROPIC_MAX_RETRIES", "1"));
    var limited = failure(429, "rate_limit_error", "slow down", Map.of("retry-after", "7", "retry-after-ms", "10"));
    t.claude.reply(limited, limited);
    var r = t.post("/execute/sdk", Map.of("prompt", "hi"));
    assertEquals(429, r.status(), r.raw());
    assertEquals("RATE_LIMITED", r.json().get("error_code").asText());
    assertEquals("7", r.header("Retry-After"));
    assertEquals(2, t.claude.requests().size(), "the SDK retried once");
    t.claude.assertDone();
  }

  @Test
  void upstream_529_then_500_then_success_is_retried_to_success() throws Exception {
    app(Map.of("ANTHROPIC_MAX_RETRIES", "2"));
    t.claude.reply(failure(529, "overloaded_error", "Overloaded", Map.of("retry-after-ms", "10")),
        failure(500, "api_error", "boom", Map.of("retry-after-ms", "10")), endTurn("ok"));
    var r = t.post("/execute/sdk", Map.of("prompt", "hi"));
    assertEquals(200, r.status(), r.raw());
    assertEquals("ok", r.json().get("result").asText());
    t.claude.assertDone();
  }

  @Test
  void upstream_failure_after_retries_is_502_upstream_error() throws Exception {
    app(Map.of());
    t.claude.reply(failure(500, "api_error", "internal boom", Map.of()));
    var r = t.post("/execute/sdk", Map.of("prompt", "hi"));
    assertEquals(502, r.status(), r.raw());
    assertEquals("UPSTREAM_ERROR", r.json().get("error_code").asText());
    assertTrue(r.json().get("error").asText().contains("internal boom"));
    assertNotNull(r.json().get("details").get("messages"));
  }

  @Test
  void a_stream_that_breaks_mid_way_is_retried() throws Exception {
    app(Map.of());
    t.claude.reply(new FakeAnthropic.BrokenStream(endTurn("never finished")), endTurn("second try"));
    var r = t.post("/execute/sdk", Map.of("prompt", "hi"));
    assertEquals(200, r.status(), r.raw());
    assertEquals("second try", r.json().get("result").asText());
    t.claude.assertDone();
  }

  @Test
  void an_overloaded_error_event_mid_stream_is_retried_then_reported() throws Exception {
    app(Map.of());
    var overloaded = new FakeAnthropic.ErrorEvent("overloaded_error", "Overloaded");
    t.claude.reply(overloaded, overloaded, overloaded);
    var r = t.post("/execute/sdk", Map.of("prompt", "hi"));
    assertEquals(502, r.status(), r.raw());
    assertEquals("UPSTREAM_ERROR", r.json().get("error_code").asText());
    assertEquals(3, t.claude.requests().size());
    t.claude.assertDone();
  }

  @Test
  void pause_turn_continues_the_turn_with_the_conversation_as_it_is() throws Exception {
    app(Map.of());
    t.claude.reply(turn("pause_turn", new FakeAnthropic.ServerToolUse("srvtoolu_1", "web_search", Map.of("query", "x"))),
        endTurn("resumed"));
    var r = t.post("/execute/sdk", Map.of("prompt", "search"));
    assertEquals(200, r.status(), r.raw());
    assertEquals("resumed", r.json().get("result").asText());
    JsonNode second = t.claude.request(2).lastMessage();
    assertEquals("assistant", second.get("role").asText(), "the paused assistant turn is sent back last");
    t.claude.assertDone();
  }

  @Test
  void tool_errors_and_bad_input_go_back_to_the_model_as_is_error_results() throws Exception {
    app(Map.of());
    t.claude.reply(
        new FakeAnthropic.Turn(List.of(
            new FakeAnthropic.ToolUse("bad", "TodoWrite", Map.of("todos", "not a list")),
            new FakeAnthropic.ToolUse("ghost", "Bash", Map.of("command", "ls"))), "tool_use", null, Duration.ZERO),
        endTurn("recovered"));
    var r = t.post("/execute/sdk", Map.of("prompt", "try"));
    assertEquals(200, r.status(), r.raw());
    var second = t.claude.request(2);
    assertTrue(second.toolResult("bad").get("is_error").asBoolean());
    assertTrue(second.toolResultText("bad").startsWith("Invalid input for TodoWrite"), second.toolResultText("bad"));
    assertTrue(second.toolResult("ghost").get("is_error").asBoolean());
    assertTrue(second.toolResultText("ghost").contains("No tool named 'Bash'"));
    t.claude.assertDone();
  }

  @Test
  void the_second_turn_reads_the_prompt_prefix_from_cache() throws Exception {
    app(Map.of());
    t.claude.reply(toolUse("t1", "TodoWrite", TODO), endTurn("done"));
    var r = t.post("/execute/sdk", Map.of("prompt", "cache me"));
    assertEquals(200, r.status(), r.raw());
    JsonNode second = t.claude.request(2).body();
    assertNotNull(second.get("tools").get(second.get("tools").size() - 1).get("cache_control"));
    JsonNode usage = r.json().get("metadata").get("usage");
    assertTrue(usage.get("cache_read_input_tokens").asLong() > 0, usage.toString());
  }

  @Test
  void missing_api_key_answers_503_with_how_to_set_it_and_health_is_degraded() throws Exception {
    app(java.util.Collections.singletonMap("ANTHROPIC_API_KEY", null));
    var r = t.post("/execute/sdk", Map.of("prompt", "hi"));
    assertEquals(503, r.status(), r.raw());
    assertEquals("MISSING_API_KEY", r.json().get("error_code").asText());
    assertTrue(r.json().get("error").asText().contains("ANTHROPIC_API_KEY"));
    var health = t.get("/health").json();
    assertEquals("degraded", health.get("status").asText());
    assertFalse(health.get("checks").get("api_key").get("ok").asBoolean());
  }

  @Test
  void bad_requests_get_clean_4xx_with_stable_codes() throws Exception {
    app(Map.of("MAX_BODY_BYTES", "2048"));
    assertError(t.post("/execute/sdk", "{\"prompt\": "), 400, "INVALID_REQUEST", "not valid JSON");
    assertError(t.post("/execute/sdk", "[1,2]"), 400, "INVALID_REQUEST", "JSON object");
    assertError(t.post("/execute/sdk", "{}"), 400, "INVALID_REQUEST", "prompt");
    assertError(t.post("/execute/sdk", "{\"prompt\": \"  \"}"), 400, "INVALID_REQUEST", "prompt");
    assertError(t.post("/execute/sdk", "{\"prompt\": 5}"), 400, "INVALID_REQUEST", "prompt must be a string");
    assertError(t.post("/execute/sdk", "{\"prompt\": \"x\", \"prompt\": \"y\"}"), 400, "INVALID_REQUEST", "Duplicate");
    assertError(t.post("/execute/sdk", "{\"prompt\": \"x\", \"promt\": 1}"), 400, "INVALID_REQUEST", "promt");
    assertError(t.post("/execute/sdk", "{\"prompt\": \"x\", \"options\": {\"max_turns\": \"3\"}}"), 400, "INVALID_REQUEST", "options.max_turns");
    assertError(t.post("/execute/sdk", "{\"prompt\": \"x\", \"options\": {\"max_turns\": 0}}"), 400, "INVALID_REQUEST", "options.max_turns");
    assertError(t.post("/execute/sdk", "{\"prompt\": \"x\", \"options\": {\"max_budget_usd\": -1}}"), 400, "INVALID_REQUEST", "options.max_budget_usd");
    assertError(t.post("/execute/sdk", "{\"prompt\": \"x\", \"options\": {\"model\": \"gpt-4\"}}"), 400, "INVALID_REQUEST", "options.model");
    assertError(t.post("/execute/sdk", "{\"prompt\": \"x\", \"options\": {\"allowed_tools\": [\"Bash\"]}}"), 400, "INVALID_REQUEST", "options.allowed_tools");
    assertError(t.post("/execute/sdk", "{\"prompt\": \"x\", \"options\": {\"disallowed_tools\": \"WebFetch\"}}"), 400, "INVALID_REQUEST", "options.disallowed_tools");
    assertError(t.post("/execute/sdk", "{\"prompt\": \"x\", \"options\": {\"max_tokens\": 500000}}"), 400, "INVALID_REQUEST", "options.max_tokens");
    assertError(t.post("/execute/sdk", "{\"prompt\": \"" + "x".repeat(3000) + "\"}"), 413, "PAYLOAD_TOO_LARGE", "2048");
    assertError(t.post("/execute/sdk", "[".repeat(100) + "]".repeat(100)), 400, "INVALID_REQUEST", "not valid JSON");
    assertError(t.send(HttpRequest.newBuilder(URI.create(t.url("/execute/sdk"))).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"x\"}"))), 415, "UNSUPPORTED_MEDIA_TYPE", "application/json");
    assertError(t.get("/nope"), 404, "ROUTE_NOT_FOUND", "/nope");
    assertError(t.get("/execute/sdk"), 405, "METHOD_NOT_ALLOWED", "GET");
    assertEquals(0, t.claude.requests().size(), "no bad request reached the model");
    assertEquals(200, t.get("/health").status(), "the server is still up");
  }

  @Test
  void allowed_tools_empty_means_no_tools_and_disallowed_tools_remove_some() throws Exception {
    app(Map.of());
    t.claude.reply(endTurn("a"), endTurn("b"));
    assertEquals(200, t.post("/execute/sdk", Map.of("prompt", "x", "options", Map.of("allowed_tools", List.of()))).status());
    assertEquals(200, t.post("/execute/sdk", Map.of("prompt", "x", "options", Map.of("disallowed_tools", List.of("WebSearch")))).status());
    assertFalse(t.claude.request(1).body().has("tools"));
    assertEquals(List.of("WebFetch", "TodoWrite"), SdkExecuteTest.names(t.claude.request(2).body().get("tools")));
  }

  static void assertError(TestApp.Response r, int status, String code, String messagePart) {
    assertEquals(status, r.status(), r.raw());
    JsonNode body = r.json();
    assertFalse(body.get("success").asBoolean());
    assertEquals(code, body.get("error_code").asText(), r.raw());
    assertTrue(body.get("error").asText().contains(messagePart), "'" + body.get("error").asText() + "' lacks '" + messagePart + "'");
    assertNotNull(r.header("X-Request-ID"));
    assertEquals(r.header("X-Request-ID"), body.get("request_id").asText());
  }

  static JsonNode last(JsonNode array) {
    return array.get(array.size() - 1);
  }
}
