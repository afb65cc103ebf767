package sandboxexecutor.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;
import static sandboxexecutor.testing.FakeAnthropic.failure;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.testing.LogCapture;
import sandboxexecutor.testing.TestApp;

class TraceAndLogsTest {
  static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void traceparent_reaches_the_model_api_and_the_execution_logs_carry_its_trace_id() throws Exception {
    try (var t = TestApp.start(); var logs = new LogCapture(Level.INFO)) {
      t.claude.reply(endTurn("4"));
      var r = t.send(HttpRequest.newBuilder(URI.create(t.url("/execute/sdk"))).header("Content-Type", "application/json")
          .header("traceparent", TRACEPARENT)
          .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"2+2\",\"instance_id\":\"acme\"}")));
      assertEquals(200, r.status(), r.raw());
      assertEquals(TRACEPARENT, t.claude.request(1).headers().get("traceparent"));
      String id = r.json().get("request_id").asText();
      JsonNode ended = logs.lines().stream().map(TraceAndLogsTest::json)
          .filter(l -> l.get("message").asText().startsWith("execution ended")).findFirst().orElseThrow();
      assertEquals(id, ended.get("execution_id").asText());
      assertEquals(id, ended.get("request_id").asText());
      assertEquals("acme", ended.get("instance_id").asText());
      assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", ended.get("trace_id").asText());
    }
  }

  @Test
  void an_invalid_traceparent_is_ignored() throws Exception {
    try (var t = TestApp.start()) {
      t.claude.reply(endTurn("4"));
      var r = t.send(HttpRequest.newBuilder(URI.create(t.url("/execute/sdk"))).header("Content-Type", "application/json")
          .header("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01")
          .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"2+2\"}")));
      assertEquals(200, r.status(), r.raw());
      assertNull(t.claude.request(1).headers().get("traceparent"));
    }
    assertEquals(Optional.empty(), TraceContext.parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    assertEquals(Optional.empty(), TraceContext.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"));
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", TraceContext.parse(TRACEPARENT.toUpperCase()).orElseThrow().traceId());
  }

  @Test
  void a_json_log_line_is_one_object_with_timestamp_level_logger_message_mdc_and_exception() {
    var context = (LoggerContext) LoggerFactory.getILoggerFactory();
    var layout = new JsonLogLayout();
    layout.setContext(context);
    layout.start();
    MDC.put("request_id", "r-1");
    MDC.put("execution_id", "r-1");
    try {
      var event = new LoggingEvent("x", context.getLogger("sandboxexecutor.Demo"), Level.WARN, "it said \"{}\"\nthen stopped",
          new IllegalStateException("boom"), new Object[] {"hi"});
      String line = layout.doLayout(event);
      assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, line);
      JsonNode json = json(line);
      assertEquals("WARN", json.get("level").asText());
      assertEquals("sandboxexecutor.Demo", json.get("logger").asText());
      assertEquals("it said \"hi\"\nthen stopped", json.get("message").asText());
      assertEquals("r-1", json.get("request_id").asText());
      assertEquals("r-1", json.get("execution_id").asText());
      assertTrue(json.get("timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), json.toString());
      assertTrue(json.get("exception").asText().startsWith("java.lang.IllegalStateException: boom"), json.toString());
    } finally {
      MDC.clear();
    }
  }

  @Test
  void logs_never_contain_the_api_key_or_the_prompt_at_info_level() throws Exception {
    String key = "sk-ant-canary-KEY-7f3a9c";
    String prompt = "CANARY-PROMPT-51d2e8 please add 2 and 2";
    try (var t = TestApp.start(Map.of("ANTHROPIC_API_KEY", key)); var logs = new LogCapture(Level.INFO)) {
      t.claude.reply(endTurn("4"));
      assertEquals(200, t.post("/execute/sdk", Map.of("prompt", prompt)).status());
      t.claude.reply(failure(500, "api_error", "upstream broke", Map.of("x-should-retry", "false")));
      assertEquals(502, t.post("/execute/sdk", Map.of("prompt", prompt)).status());
      assertEquals(400, t.post("/execute/sdk", Map.of("prompt", prompt, "options", Map.of("max_turns", 0))).status());
      // the canary really was used
      assertTrue(t.claude.request(1).headers().values().stream().anyMatch(v -> v.contains(key)), t.claude.request(1).headers().toString());
      String all = logs.all();
      assertFalse(logs.lines().isEmpty());
      assertFalse(all.contains(key), all);
      assertFalse(all.contains("CANARY-PROMPT"), all);
    }
  }

  private static JsonNode json(String line) {
    try {
      return Json.MAPPER.readTree(line);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + line, e);
    }
  }
}
