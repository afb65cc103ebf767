package sandboxexecutor.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;
import static sandboxexecutor.testing.FakeAnthropic.failure;
import static sandboxexecutor.testing.FakeAnthropic.toolUse;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import sandboxexecutor.execution.SandboxTestingAccess;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.testing.FakeAnthropic;
import sandboxexecutor.testing.FakeCollector;
import sandboxexecutor.testing.FakeCollector.ExportedSpan;
import sandboxexecutor.testing.LogCapture;
import sandboxexecutor.testing.TestApp;

/** Spans exported over OTLP/HTTP to a fake collector, from the real service with the scripted model. */
class TracingTest {
  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CALLER_SPAN = "00f067aa0ba902b7";
  static final String TRACEPARENT = "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01";
  static final String MODEL = "claude-sonnet-5-5";

  static Map<String, String> exportingTo(FakeCollector collector, String... more) {
    var env = new HashMap<String, String>(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url()));
    for (int i = 0; i < more.length; i += 2) env.put(more[i], more[i + 1]);
    return env;
  }

  static TestApp.Response execute(TestApp t, String traceparent, Object body) throws Exception {
    var request = HttpRequest.newBuilder(URI.create(t.url("/execute/sdk"))).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body)));
    if (traceparent != null) request.header("traceparent", traceparent);
    return t.send(request);
  }

  /** The sampled bit of a traceparent's flags (the SDK also sets bit 2, "random trace id", on its own traces). */
  static boolean sampled(String traceparent) {
    return (Integer.parseInt(traceparent.substring(traceparent.length() - 2), 16) & 1) == 1;
  }

  static ExportedSpan only(FakeCollector collector, String name) {
    var spans = collector.spans(name);
    assertEquals(1, spans.size(), name + " in " + collector.spans());
    return spans.get(0);
  }

  @Test
  void an_sdk_execution_with_a_tool_call_is_one_trace_under_the_caller_s_and_each_model_call_carries_its_own_span()
      throws Exception {
    try (var collector = new FakeCollector(); var logs = new LogCapture(Level.INFO)) {
      String secret = "otel-canary-token-2c9e";
      try (var t = TestApp.start(exportingTo(collector, "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20" + secret,
          "OTEL_SERVICE_NAME", "executor-under-test"))) {
        t.claude.reply(
            toolUse("t1", "TodoWrite", Map.of("todos", List.of(Map.of("content", "CANARY-INPUT-8d1f", "status", "pending",
                "activeForm", "CANARY-INPUT-8d1f")))).withUsage(new FakeAnthropic.Usage(120, 30, 0, 0, 0)),
            endTurn("CANARY-OUTPUT-77aa"));
        var r = execute(t, TRACEPARENT, Map.of("prompt", "CANARY-PROMPT-51d2", "instance_id", "acme"));
        assertEquals(200, r.status(), r.raw());
        t.app.flushSpans();

        var execution = only(collector, "invoke_agent sdk");
        var chats = collector.spans("chat " + MODEL);
        var tool = only(collector, "execute_tool TodoWrite");
        assertEquals(4, collector.spans().size(), collector.spans().toString());
        assertEquals(2, chats.size());
        collector.spans().forEach(s -> assertEquals(TRACE_ID, s.traceId(), s.toString()));
        assertEquals(CALLER_SPAN, execution.parentId());
        assertEquals(List.of(execution.spanId(), execution.spanId(), execution.spanId()),
            List.of(chats.get(0).parentId(), tool.parentId(), chats.get(1).parentId()));

        // each model call was sent as a child of its own chat span
        for (int i = 0; i < 2; i++) {
          assertEquals("00-" + TRACE_ID + "-" + chats.get(i).spanId() + "-01", t.claude.request(i + 1).headers().get("traceparent"));
        }

        assertEquals("SPAN_KIND_INTERNAL", execution.kind());
        assertFalse(execution.error());
        assertEquals(r.json().get("request_id").asText(), execution.attribute("sandbox_executor.execution.id"));
        assertEquals("acme", execution.attribute("sandbox_executor.instance.id"));
        assertEquals("sdk", execution.attribute("sandbox_executor.mode"));
        assertEquals("succeeded", execution.attribute("sandbox_executor.execution.status"));
        assertEquals(2L, execution.attribute("sandbox_executor.execution.turns"));
        assertEquals(r.json().at("/metadata/total_cost_usd").asDouble(), (double) execution.attribute("sandbox_executor.execution.cost_usd"));
        assertEquals(MODEL, execution.attribute("gen_ai.request.model"));

        var first = chats.get(0);
        assertEquals("SPAN_KIND_CLIENT", first.kind());
        assertFalse(first.error());
        assertEquals("chat", first.attribute("gen_ai.operation.name"));
        assertEquals("anthropic", first.attribute("gen_ai.provider.name"));
        assertEquals("anthropic", first.attribute("gen_ai.system"));
        assertEquals(MODEL, first.attribute("gen_ai.request.model"));
        assertTrue(first.attribute("gen_ai.response.id").toString().startsWith("msg_"), first.toString());
        assertEquals(120L, first.attribute("gen_ai.usage.input_tokens"));
        assertEquals(30L, first.attribute("gen_ai.usage.output_tokens"));
        assertEquals(List.of("tool_use"), first.attribute("gen_ai.response.finish_reasons"));
        assertEquals(List.of("end_turn"), chats.get(1).attribute("gen_ai.response.finish_reasons"));

        assertFalse(tool.error());
        assertEquals("execute_tool", tool.attribute("gen_ai.operation.name"));
        assertEquals("TodoWrite", tool.attribute("gen_ai.tool.name"));
        assertEquals("t1", tool.attribute("gen_ai.tool.call.id"));

        assertEquals("executor-under-test", execution.resource().get("service.name"));
        assertTrue(collector.exportHeaders().stream().allMatch(h -> ("Bearer " + secret).equals(h.get("authorization"))),
            collector.exportHeaders().toString());
      }
      String exported = collector.spans().toString();
      assertFalse(exported.contains("CANARY"), "prompt, tool input or model output in a span: " + exported);
      assertFalse(logs.all().contains(secret), "the collector's credentials were logged");
    }
  }

  @Test
  void without_a_traceparent_the_execution_starts_a_trace_and_its_logs_carry_that_trace_id() throws Exception {
    try (var collector = new FakeCollector(); var logs = new LogCapture(Level.INFO);
         var t = TestApp.start(exportingTo(collector))) {
      t.claude.reply(endTurn("4"));
      var r = execute(t, null, Map.of("prompt", "2+2"));
      assertEquals(200, r.status(), r.raw());
      t.app.flushSpans();
      var execution = only(collector, "invoke_agent sdk");
      var chat = only(collector, "chat " + MODEL);
      assertEquals("", execution.parentId());
      String sent = t.claude.request(1).headers().get("traceparent");
      assertTrue(sent.startsWith("00-" + execution.traceId() + "-" + chat.spanId() + "-"), sent);
      assertTrue(sampled(sent), sent);
      JsonNode ended = logs.lines().stream().map(Json::parse)
          .filter(l -> l.get("message").asText().startsWith("execution ended")).findFirst().orElseThrow();
      assertEquals(execution.traceId(), ended.get("trace_id").asText());
    }
  }

  @Test
  void a_tool_s_own_model_call_is_a_child_of_the_tool_call() throws Exception {
    var site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    site.createContext("/page", exchange -> {
      byte[] html = "<html><body><p>The answer is 42.</p></body></html>".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/html");
      exchange.sendResponseHeaders(200, html.length);
      exchange.getResponseBody().write(html);
      exchange.close();
    });
    site.start();
    try (var collector = new FakeCollector();
         var t = TestApp.start(exportingTo(collector, "ALLOW_PRIVATE_NETWORKS", "true"))) {
      String page = "http://127.0.0.1:" + site.getAddress().getPort() + "/page";
      t.claude.reply(toolUse("f1", "WebFetch", Map.of("url", page, "prompt", "What is the answer?")), endTurn("42"),
          endTurn("42"));
      assertEquals(200, execute(t, null, Map.of("prompt", "read the page")).status());
      t.app.flushSpans();
      var fetch = only(collector, "execute_tool WebFetch");
      var small = only(collector, "chat claude-haiku-5-5");
      assertEquals(fetch.spanId(), small.parentId());
      assertTrue(t.claude.request(2).headers().get("traceparent").contains("-" + small.spanId() + "-"));
    } finally {
      site.stop(0);
    }
  }

  @Test
  void a_failing_model_call_and_a_failing_tool_call_are_error_spans() throws Exception {
    try (var collector = new FakeCollector(); var t = TestApp.start(exportingTo(collector))) {
      t.claude.reply(toolUse("t1", "Teleport", Map.of()), endTurn("no such tool"));
      assertEquals(200, execute(t, null, Map.of("prompt", "go")).status());
      t.claude.reply(failure(500, "api_error", "upstream broke", Map.of("x-should-retry", "false")));
      assertEquals(502, execute(t, null, Map.of("prompt", "go")).status());
      t.app.flushSpans();

      var tool = only(collector, "execute_tool unknown"); // a name the model made up is not a span name
      assertTrue(tool.error());
      assertEquals("tool_error", tool.attribute("error.type"));

      var executions = collector.spans("invoke_agent sdk");
      assertEquals(2, executions.size());
      assertFalse(executions.get(0).error());
      var failed = executions.get(1);
      assertTrue(failed.error());
      assertEquals("failed", failed.attribute("sandbox_executor.execution.status"));
      assertEquals("UPSTREAM_ERROR", failed.attribute("error.type"));
      var chat = collector.spans("chat " + MODEL).stream().filter(s -> s.parentId().equals(failed.spanId()))
          .findFirst().orElseThrow();
      assertTrue(chat.error());
      assertEquals("500", chat.attribute("error.type"));
    }
  }

  @Test
  void root_traces_are_sampled_by_the_ratio_while_a_caller_s_sampled_flag_decides_for_its_own() throws Exception {
    try (var collector = new FakeCollector();
         var t = TestApp.start(exportingTo(collector, "OTEL_TRACES_SAMPLER_ARG", "0"))) {
      t.claude.reply(endTurn("4"), endTurn("4"));
      assertEquals(200, execute(t, null, Map.of("prompt", "2+2")).status());
      assertEquals(200, execute(t, TRACEPARENT, Map.of("prompt", "2+2")).status());
      t.app.flushSpans();
      assertEquals(List.of(TRACE_ID, TRACE_ID), collector.spans().stream().map(ExportedSpan::traceId).toList());
      String unsampled = t.claude.request(1).headers().get("traceparent");
      assertFalse(sampled(unsampled), "an unsampled trace is still propagated, as unsampled: " + unsampled);
    }
  }

  @Test
  void a_collector_that_is_down_slows_no_execution_and_is_reported_at_warn() throws Exception {
    int closedPort;
    try (var socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (var logs = new LogCapture(Level.INFO);
         var t = TestApp.start(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + closedPort))) {
      t.claude.reply(endTurn("4"));
      long started = System.nanoTime();
      assertEquals(200, execute(t, TRACEPARENT, Map.of("prompt", "2+2")).status());
      assertTrue(System.nanoTime() - started < 3_000_000_000L, "the execution waited for the collector");
      t.app.flushSpans();
      var exporterLines = logs.lines().stream().map(Json::parse)
          .filter(l -> l.get("logger").asText().startsWith("io.opentelemetry")).toList();
      assertFalse(exporterLines.isEmpty(), logs.all());
      exporterLines.forEach(l -> assertEquals("WARN", l.get("level").asText(), l.toString()));
    }
  }

  @Test
  void sandbox_mode_traces_sandbox_creation_setup_and_verify() throws Exception {
    SandboxTestingAccess.assumeBubblewrap();
    try (var collector = new FakeCollector(); var t = TestApp.start(exportingTo(collector))) {
      t.claude.reply(endTurn("nothing to do"));
      var r = t.post("/execute", Map.of("task", "look around", "options", Map.of("setup", List.of("true"), "verify", "false")));
      assertEquals(200, r.status(), r.raw());
      t.app.flushSpans();
      var execution = only(collector, "invoke_agent sandbox");
      assertTrue(execution.error(), "a failed verification fails the execution");
      for (String step : List.of("create sandbox", "setup", "verify", "chat " + MODEL)) {
        assertEquals(execution.spanId(), only(collector, step).parentId(), step);
      }
      assertFalse(only(collector, "setup").error());
      assertTrue(only(collector, "verify").error());
      assertEquals("exited", only(collector, "verify").attribute("error.type"));
    }
  }
}
