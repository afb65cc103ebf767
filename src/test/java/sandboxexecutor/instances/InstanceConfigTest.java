package sandboxexecutor.instances;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sandboxexecutor.Main;
import sandboxexecutor.testing.FakeConfigService;
import sandboxexecutor.testing.LogCapture;
import sandboxexecutor.testing.TestApp;

class InstanceConfigTest {
  static final String ACME = """
      {"allowed_models": ["haiku", "sonnet"], "default_model": "haiku", "allowed_tools": ["TodoWrite", "WebSearch", "Bash"],
       "max_turns": 5, "max_budget_usd": 2.5, "system_prompt_append": "ACME-RULES", "sandbox_limits": {"memory_mb": 512}}""";

  FakeConfigService service;
  List<TestApp> apps = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    service = new FakeConfigService();
  }

  @AfterEach
  void stop() throws Exception {
    for (TestApp app : apps) app.close();
    service.close();
  }

  TestApp app(Map<String, String> env) throws Exception {
    var t = TestApp.start(env);
    apps.add(t);
    return t;
  }

  TestApp withService(String ttlSeconds, String timeoutMs) throws Exception {
    return app(Map.of("CONFIG_SERVICE_URL", service.url(), "CONFIG_CACHE_TTL_SECONDS", ttlSeconds,
        "CONFIG_SERVICE_TIMEOUT_MS", timeoutMs));
  }

  static Map<String, Object> sdk(String instance, Map<String, Object> options) {
    return Map.of("prompt", "2+2", "instance_id", instance, "options", options);
  }

  @Test
  void the_service_s_settings_apply_default_model_tools_prompt_and_a_disallowed_model_is_403() throws Exception {
    service.answer("acme", 200, ACME);
    var t = withService("60", "2000");
    t.claude.reply(endTurn("4"));
    var ok = t.post("/execute/sdk", sdk("acme", Map.of()));
    assertEquals(200, ok.status(), ok.raw());
    JsonNode sent = t.claude.request(1).body();
    assertEquals("claude-haiku-5-5", sent.get("model").asText());
    assertEquals("haiku", ok.json().get("metadata").get("model").asText());
    assertEquals(List.of("WebSearch", "TodoWrite"), names(sent.get("tools"))); // the mode's defaults within allowed_tools
    assertTrue(sent.get("system").get(0).get("text").asText().endsWith("ACME-RULES"));

    var denied = t.post("/execute/sdk", sdk("acme", Map.of("model", "opus")));
    assertEquals(403, denied.status(), denied.raw());
    assertEquals("MODEL_NOT_ALLOWED", denied.json().get("error_code").asText());
    assertTrue(denied.json().get("error").asText().startsWith("options.model"));
    assertEquals(1, service.requests()); // cached for the TTL
    // nothing was recorded for the refused request
    assertEquals(1, t.get("/executions?instance_id=acme").json().get("executions").size());
    t.claude.assertDone();
  }

  @Test
  void config_service_token_is_sent_as_bearer_and_without_it_the_service_refuses() throws Exception {
    service.answer("acme", 200, ACME);
    service.requireToken("cfg-token-0123456789");
    var t = app(Map.of("CONFIG_SERVICE_URL", service.url(), "CONFIG_SERVICE_TOKEN", "cfg-token-0123456789"));
    var capped = t.post("/execute/sdk", sdk("acme", Map.of("max_turns", 6)));
    assertRefused(capped, "options.max_turns must be at most 5");
    var withoutToken = app(Map.of("CONFIG_SERVICE_URL", service.url()));
    withoutToken.claude.reply(endTurn("4"));
    assertEquals(200, withoutToken.post("/execute/sdk", sdk("acme", Map.of("max_turns", 6))).status(),
        "a 401 from the service is a failure: the built-in defaults apply");
  }

  @Test
  void requests_narrow_but_never_widen_the_instance_s_limits() throws Exception {
    service.answer("acme", 200, ACME);
    var t = withService("60", "2000");
    assertRefused(t.post("/execute/sdk", sdk("acme", Map.of("max_turns", 6))), "options.max_turns must be at most 5");
    assertRefused(t.post("/execute/sdk", sdk("acme", Map.of("max_budget_usd", 3))), "options.max_budget_usd must be at most 2.5");
    assertRefused(t.post("/execute/sdk", sdk("acme", Map.of("allowed_tools", List.of("WebFetch")))),
        "options.allowed_tools: 'WebFetch' is not allowed");
    assertRefused(t.post("/execute", Map.of("task", "x", "instance_id", "acme",
        "options", Map.of("limits", Map.of("memory_mb", 1024)))), "options.limits.memory_mb must be at most 512 (the instance's cap)");
    t.claude.reply(endTurn("4"));
    var narrowed = t.post("/execute/sdk", sdk("acme", Map.of("max_turns", 2, "model", "sonnet", "allowed_tools", List.of("TodoWrite"))));
    assertEquals(200, narrowed.status(), narrowed.raw());
    assertEquals("claude-sonnet-5-5", t.claude.request(1).body().get("model").asText());
    assertEquals(List.of("TodoWrite"), names(t.claude.request(1).body().get("tools")));
  }

  @Test
  void a_slow_service_times_out_and_the_built_in_defaults_apply() throws Exception {
    service.answer("acme", new FakeConfigService.Answer(200, ACME, Duration.ofSeconds(3)));
    var t = withService("60", "300");
    try (var logs = new LogCapture(Level.WARN)) {
      t.claude.reply(endTurn("4"));
      long started = System.nanoTime();
      var r = t.post("/execute/sdk", sdk("acme", Map.of()));
      assertEquals(200, r.status(), r.raw());
      assertTrue(System.nanoTime() - started < 2_500_000_000L, "waited for the slow service");
      assertEquals("claude-sonnet-5-5", t.claude.request(1).body().get("model").asText());
      assertTrue(logs.all().contains("config service failed for instance acme"), logs.all());
    }
  }

  @Test
  void while_the_service_is_down_the_last_good_settings_are_used_after_the_ttl() throws Exception {
    service.answer("acme", 200, ACME);
    var t = withService("0", "1000"); // TTL 0: every request asks the service again
    t.claude.reply(endTurn("1"), endTurn("2"));
    assertEquals(200, t.post("/execute/sdk", sdk("acme", Map.of())).status());
    service.close();
    try (var logs = new LogCapture(Level.WARN)) {
      assertEquals(200, t.post("/execute/sdk", sdk("acme", Map.of())).status());
      assertEquals("claude-haiku-5-5", t.claude.request(2).body().get("model").asText());
      assertTrue(logs.all().contains("using the last good settings"), logs.all());
    }
    // an instance never fetched falls back to the built-in defaults, and the server keeps answering
    t.claude.reply(endTurn("3"));
    assertEquals(200, t.post("/execute/sdk", sdk("other", Map.of())).status());
    assertEquals("claude-sonnet-5-5", t.claude.request(3).body().get("model").asText());
  }

  @Test
  void garbage_from_the_service_is_ignored_with_a_warning_and_the_last_good_settings_kept() throws Exception {
    service.answer("acme", 200, ACME);
    var t = withService("0", "1000");
    t.claude.reply(endTurn("1"), endTurn("2"), endTurn("3"));
    assertEquals(200, t.post("/execute/sdk", sdk("acme", Map.of())).status());
    try (var logs = new LogCapture(Level.WARN)) {
      service.answer("acme", 200, "<html>oops</html>");
      assertEquals(200, t.post("/execute/sdk", sdk("acme", Map.of())).status());
      service.answer("acme", 200, "{\"max_turns\": \"lots\"}");
      assertEquals(200, t.post("/execute/sdk", sdk("acme", Map.of())).status());
      assertTrue(logs.all().contains("not JSON"), logs.all());
      assertTrue(logs.all().contains("max_turns"), logs.all());
    }
    for (int i = 2; i <= 3; i++) assertEquals("claude-haiku-5-5", t.claude.request(i).body().get("model").asText());
  }

  @Test
  void the_service_is_not_needed_to_start() throws Exception {
    int port = Integer.parseInt(service.url().substring(service.url().lastIndexOf(':') + 1));
    service.close();
    var t = app(Map.of("CONFIG_SERVICE_URL", "http://127.0.0.1:" + port));
    t.claude.reply(endTurn("4"));
    assertEquals(200, t.post("/execute/sdk", sdk("acme", Map.of())).status());
  }

  @Test
  void the_local_file_gives_each_instance_its_settings_and_default_to_the_rest() throws Exception {
    Path file = Files.createTempFile("instances", ".yaml");
    Files.writeString(file, """
        instances:
          default:
            allowed_models: [haiku]
            default_model: haiku
          acme:
            default_model: opus
            default_tools: [TodoWrite, Bash]
        """);
    try {
      var t = app(Map.of("INSTANCE_CONFIG_FILE", file.toString()));
      t.claude.reply(endTurn("1"), endTurn("2"));
      assertEquals(200, t.post("/execute/sdk", sdk("acme", Map.of())).status());
      assertEquals("claude-opus-5-5", t.claude.request(1).body().get("model").asText());
      assertEquals(List.of("TodoWrite"), names(t.claude.request(1).body().get("tools")));
      assertEquals(200, t.post("/execute/sdk", sdk("someone", Map.of())).status());
      assertEquals("claude-haiku-5-5", t.claude.request(2).body().get("model").asText());
      assertEquals(403, t.post("/execute/sdk", sdk("someone", Map.of("model", "sonnet"))).status());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void a_bad_file_stops_start_up_with_one_line_naming_the_file_and_what_is_wrong(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("instances.json");
    Path yaml = dir.resolve("instances.yaml");
    Files.writeString(yaml, "instances:\n  acme: {default_model: [haiku\n");
    assertStopsStartUp(yaml, "expected ',' or ']', but got <stream end> (line 2");
    assertStopsStartUp(json, "does not exist");
    Files.writeString(json, "{\"instances\": {\"acme\": {\"max_turns\": 5,}}}");
    assertStopsStartUp(json, "Unexpected character ('}'");
    Files.writeString(json, "{\"instances\": {\"acme\": {\"colour\": \"red\"}}}");
    assertStopsStartUp(json, "instances.acme: unknown field 'colour'");
    Files.writeString(json, "{\"instances\": {\"acme\": {\"allowed_models\": [\"gpt-9\"]}}}");
    assertStopsStartUp(json, "instances.acme.allowed_models: 'gpt-9' is neither an alias nor a model id");
    Files.writeString(json, "{\"instances\": {\"acme\": {\"allowed_tools\": [\"Teleport\"]}}}");
    assertStopsStartUp(json, "instances.acme: unknown tool 'Teleport'");
  }

  private static void assertStopsStartUp(Path file, String problem) {
    var e = assertThrows(IllegalArgumentException.class, () -> Main.Startup.from(Map.of("INSTANCE_CONFIG_FILE",
        file.toString(), "DATA_DIR", file.getParent().toString())));
    assertTrue(e.getMessage().startsWith("INSTANCE_CONFIG_FILE " + file + ": " + problem), e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
  }

  private static void assertRefused(sandboxexecutor.testing.TestApp.Response r, String message) {
    assertEquals(400, r.status(), r.raw());
    assertEquals("INVALID_REQUEST", r.json().get("error_code").asText());
    assertTrue(r.json().get("error").asText().startsWith(message), r.raw());
  }

  private static List<String> names(JsonNode tools) {
    var out = new ArrayList<String>();
    if (tools != null) tools.forEach(tool -> out.add(tool.get("name").asText()));
    return out;
  }
}
