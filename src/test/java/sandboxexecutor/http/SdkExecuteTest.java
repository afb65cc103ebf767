package sandboxexecutor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;
import static sandboxexecutor.testing.FakeAnthropic.toolUse;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sandboxexecutor.testing.FakeAnthropic;
import sandboxexecutor.testing.TestApp;

class SdkExecuteTest {
  TestApp t;

  @BeforeEach
  void start() throws Exception {
    t = TestApp.start();
  }

  @AfterEach
  void stop() throws Exception {
    t.close();
  }

  @Test
  void two_plus_two_answers_4_with_an_agent_sdk_transcript() {
    t.claude.reply(endTurn("4").withUsage(new FakeAnthropic.Usage(20, 5, 0, 0, 0)));
    var r = t.post("/execute/sdk", """
        {"prompt": "What is 2 + 2? Just give me the number.", "options": {"max_turns": 1}}""");
    assertEquals(200, r.status(), r.raw());
    JsonNode body = r.json();
    assertTrue(body.get("success").asBoolean());
    assertEquals("4", body.get("result").asText());
    assertEquals(r.header("X-Request-ID"), body.get("request_id").asText());
    JsonNode messages = body.get("messages");
    assertEquals(List.of("system", "assistant", "result"), types(messages));
    assertEquals("init", messages.get(0).get("subtype").asText());
    assertEquals("claude-sonnet-5-5", messages.get(0).get("model").asText());
    assertEquals("4", messages.get(1).get("message").get("content").get(0).get("text").asText());
    JsonNode result = messages.get(2);
    assertEquals("success", result.get("subtype").asText());
    assertFalse(result.get("is_error").asBoolean());
    assertEquals(1, result.get("num_turns").asInt());
    assertEquals("end_turn", result.get("stop_reason").asText());
    // sonnet 5.5: 20 input tokens at 2 USD/M + 5 output tokens at 10 USD/M
    assertEquals(20 * 2e-6 + 5 * 10e-6, result.get("total_cost_usd").asDouble(), 1e-12);
    assertTrue(result.get("modelUsage").has("claude-sonnet-5-5"));
    assertTrue(result.get("permission_denials").isArray());
    JsonNode metadata = body.get("metadata");
    assertEquals("sonnet", metadata.get("model").asText());
    assertEquals("claude-sonnet-5-5", metadata.get("model_id").asText());
    assertEquals(1, metadata.get("num_turns").asInt());
    assertEquals(body.get("messages").get(0).get("session_id").asText(), metadata.get("session_id").asText());
    assertEquals(20, metadata.get("usage").get("input_tokens").asInt());
    // the request went out streaming, with the default tools and cache breakpoints
    var sent = t.claude.request(1).body();
    assertTrue(sent.get("stream").asBoolean());
    assertEquals(List.of("WebFetch", "WebSearch", "TodoWrite"), names(sent.get("tools")));
    assertNotNull(sent.get("system").get(0).get("cache_control"));
    t.claude.assertDone();
  }

  @Test
  void a_two_turn_todo_run_reports_exact_turns_cost_and_the_final_todo_list() {
    t.claude.reply(
        toolUse("toolu_1", "TodoWrite", Map.of("todos", List.of(
            Map.of("content", "Add numbers", "status", "completed", "activeForm", "Adding numbers"))))
            .withUsage(new FakeAnthropic.Usage(100, 40, 0, 1000, 0)),
        endTurn("Done: 4").withUsage(new FakeAnthropic.Usage(10, 20, 1000, 60, 0)));
    var r = t.post("/execute/sdk", Map.of("prompt", "Plan and add 2+2", "options", Map.of("model", "haiku")));
    assertEquals(200, r.status(), r.raw());
    JsonNode body = r.json();
    assertEquals(List.of("system", "assistant", "user", "assistant", "result"), types(body.get("messages")));
    assertEquals(2, body.get("metadata").get("num_turns").asInt());
    // haiku 5.5: input 0.1, output 0.5, cache write 0.125, cache read 0.01 USD per million tokens
    double expected = (100 * 0.1 + 40 * 0.5 + 1000 * 0.125 + 10 * 0.1 + 20 * 0.5 + 1000 * 0.01 + 60 * 0.125) / 1e6;
    assertEquals(expected, body.get("metadata").get("total_cost_usd").asDouble(), 1e-12);
    assertEquals("Adding numbers", body.get("metadata").get("todos").get(0).get("activeForm").asText());
    assertEquals("claude-haiku-5-5", t.claude.request(2).body().get("model").asText());
    var toolResult = t.claude.request(2).toolResult("toolu_1");
    assertFalse(toolResult.path("is_error").asBoolean());
    assertTrue(t.claude.request(2).toolResultText("toolu_1").startsWith("Todo list updated"));
    t.claude.assertDone();
  }

  static List<String> types(JsonNode messages) {
    var out = new java.util.ArrayList<String>();
    messages.forEach(m -> out.add(m.get("type").asText()));
    return out;
  }

  static List<String> names(JsonNode tools) {
    var out = new java.util.ArrayList<String>();
    tools.forEach(m -> out.add(m.get("name").asText()));
    return out;
  }
}
