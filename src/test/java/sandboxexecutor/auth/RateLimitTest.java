package sandboxexecutor.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sandboxexecutor.store.TestPostgres;
import sandboxexecutor.testing.FakeAnthropic;
import sandboxexecutor.testing.ServerProcess;
import sandboxexecutor.testing.TestApp;

/** Per-key requests per minute, concurrent executions and daily budget, through the real server. */
class RateLimitTest {
  static final String KEY = "sk-se-limited-0123456789abcdef";

  @TempDir Path dir;

  /** A keys file with one key for instance team-a and the given limits. */
  Map<String, String> keyWith(String limits) throws Exception {
    Path file = dir.resolve("api-keys.tsv");
    Files.writeString(file, "# name, sha256, instance, limits\nlimited\t" + ApiKey.sha256Hex(KEY) + "\tteam-a\t" + limits + "\n");
    return Map.of("API_KEYS_FILE", file.toString());
  }

  @Test
  void every_response_carries_the_rate_limit_headers_and_the_request_past_the_limit_is_429() throws Exception {
    try (var t = TestApp.start(keyWith("rpm=3"))) {
      for (int remaining = 2; remaining >= 0; remaining--) {
        var ok = t.bearer(KEY).get("/executions");
        assertEquals(200, ok.status(), ok.raw());
        assertEquals("3", ok.header("X-RateLimit-Limit"));
        assertEquals(Integer.toString(remaining), ok.header("X-RateLimit-Remaining"));
      }
      var limited = t.bearer(KEY).get("/executions");
      assertEquals(429, limited.status(), limited.raw());
      assertEquals("RATE_LIMITED", limited.json().get("error_code").asText());
      assertEquals("3", limited.header("X-RateLimit-Limit"));
      assertEquals("0", limited.header("X-RateLimit-Remaining"));
      long retryAfter = Long.parseLong(limited.header("Retry-After"));
      assertTrue(retryAfter >= 1 && retryAfter <= 20, "one token every 20 s: " + retryAfter);
      long reset = Long.parseLong(limited.header("X-RateLimit-Reset"));
      assertTrue(reset > 40 && reset <= 60, "full again within a minute: " + reset);
      assertEquals(200, t.get("/health").status(), "the probes are not limited");
    }
  }

  @Test
  void the_default_limit_comes_from_rate_limit_per_minute() throws Exception {
    var env = new HashMap<>(Map.of("API_KEYS", "ci:" + KEY + ":team-a", "RATE_LIMIT_PER_MINUTE", "120"));
    try (var t = TestApp.start(env)) {
      var ok = t.apiKey(KEY).get("/executions");
      assertEquals("120", ok.header("X-RateLimit-Limit"));
      assertEquals("119", ok.header("X-RateLimit-Remaining"));
    }
  }

  @Test
  void a_key_past_its_daily_budget_gets_429_budget_exceeded_until_midnight_utc() throws Exception {
    try (var t = TestApp.start(keyWith("daily_usd=0.000001"))) {
      t.claude.reply(endTurn("first"));
      var first = t.bearer(KEY).post("/execute/sdk", Map.of("prompt", "spend"));
      assertEquals(200, first.status(), first.raw());
      assertTrue(first.json().get("metadata").get("total_cost_usd").asDouble() > 0);
      var over = t.bearer(KEY).post("/execute/sdk", Map.of("prompt", "spend more"));
      assertEquals(429, over.status(), over.raw());
      assertEquals("BUDGET_EXCEEDED", over.json().get("error_code").asText());
      long retryAfter = Long.parseLong(over.header("Retry-After"));
      assertTrue(retryAfter >= 1 && retryAfter <= 86_400, "until midnight UTC: " + retryAfter);
      assertEquals(0.000001, over.json().get("details").get("daily_budget_usd").asDouble(), 1e-12);
      assertEquals("600", over.header("X-RateLimit-Limit"));
      assertEquals(200, t.bearer(KEY).get("/executions").status(), "reading stays possible");
    }
  }

  @Test
  void a_key_at_its_concurrency_limit_gets_429_until_an_execution_ends() throws Exception {
    try (var t = TestApp.start(keyWith("concurrent=1"))) {
      t.claude.reply(endTurn("slow").withLatency(Duration.ofSeconds(1)));
      var first = t.bearer(KEY).post("/tasks", Map.of("prompt", "hold"));
      assertEquals(202, first.status(), first.raw());
      var second = t.bearer(KEY).post("/tasks", Map.of("prompt", "wait"));
      assertEquals(429, second.status(), second.raw());
      assertEquals("RATE_LIMITED", second.json().get("error_code").asText());
      assertEquals("1", second.header("Retry-After"));
      String id = first.json().get("request_id").asText();
      long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!"succeeded".equals(t.bearer(KEY).get("/executions/" + id).json().path("status").asText())) {
        assertTrue(System.nanoTime() < until, "the first execution never ended");
        Thread.sleep(20);
      }
      Thread.sleep(50); // the slot is released as the execution ends
      t.claude.reply(endTurn("next"));
      assertEquals(200, t.bearer(KEY).post("/execute/sdk", Map.of("prompt", "now")).status());
    }
  }

  /** Both limits on one PostgreSQL, checked across two server processes that share nothing else. */
  @Test
  void two_server_processes_on_one_postgresql_enforce_one_rate_and_one_concurrency_limit() throws Exception {
    String paced = "sk-se-paced-0123456789abcdef";
    String single = "sk-se-single-0123456789abcdef";
    Path keys = dir.resolve("api-keys.tsv");
    Files.writeString(keys, "paced\t" + ApiKey.sha256Hex(paced) + "\tteam-a\trpm=3\n"
        + "single\t" + ApiKey.sha256Hex(single) + "\tteam-a\tconcurrent=1\n");
    try (var claude = new FakeAnthropic()) {
      var env = Map.of("DATABASE_URL", TestPostgres.freshDatabaseUrl(), "API_KEYS_FILE", keys.toString(),
          "ANTHROPIC_BASE_URL", claude.url());
      try (var a = ServerProcess.start(dir.resolve("a"), env); var b = ServerProcess.start(dir.resolve("b"), env)) {
        var servers = List.of(a, b, a);
        for (int i = 0; i < 3; i++) {
          var ok = servers.get(i).bearer(paced).get("/executions");
          assertEquals(200, ok.status(), ok.raw());
          assertEquals(Integer.toString(2 - i), ok.header("X-RateLimit-Remaining"), "one bucket for both: request " + i);
        }
        for (var server : List.of(b, a)) {
          var limited = server.bearer(paced).get("/executions");
          assertEquals(429, limited.status(), limited.raw());
          assertEquals("RATE_LIMITED", limited.json().get("error_code").asText());
          assertEquals("3", limited.header("X-RateLimit-Limit"));
          assertEquals("0", limited.header("X-RateLimit-Remaining"));
          assertTrue(Long.parseLong(limited.header("Retry-After")) >= 1);
        }

        claude.reply(endTurn("held").withLatency(Duration.ofSeconds(1)), endTurn("next"));
        var held = a.bearer(single).post("/tasks", Map.of("prompt", "hold"));
        assertEquals(202, held.status(), held.raw());
        var refused = b.bearer(single).post("/tasks", Map.of("prompt", "wait"));
        assertEquals(429, refused.status(), refused.raw());
        assertEquals("RATE_LIMITED", refused.json().get("error_code").asText());
        assertEquals("concurrent", refused.json().get("details").get("limit").asText());
        assertEquals("1", refused.header("Retry-After"));
        String id = held.json().get("request_id").asText();
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!"succeeded".equals(b.bearer(single).get("/executions/" + id).json().path("status").asText())) {
          assertTrue(System.nanoTime() < until, "the held execution never ended");
          Thread.sleep(20);
        }
        // a moment after the record ends the slot is released, long before a lease could expire (2 minutes)
        until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        var next = b.bearer(single).post("/execute/sdk", Map.of("prompt", "now"));
        while (next.status() == 429 && System.nanoTime() < until) {
          Thread.sleep(20);
          next = b.bearer(single).post("/execute/sdk", Map.of("prompt", "now"));
        }
        assertEquals(200, next.status(), next.raw());
      }
    }
  }
}
