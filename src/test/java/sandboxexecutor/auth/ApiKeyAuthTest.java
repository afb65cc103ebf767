package sandboxexecutor.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;

import ch.qos.logback.classic.Level;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sandboxexecutor.config.Config;
import sandboxexecutor.testing.LogCapture;
import sandboxexecutor.testing.TestApp;

/** API keys, tenancy, protected mode, AUTH_DISABLED, the keys command and CORS, through the real server. */
class ApiKeyAuthTest {
  static final String ALICE = "sk-se-alice-0123456789abcdef";
  static final String BOB = "sk-se-bob-0123456789abcdef";
  static final Map<String, String> KEYS = Map.of("API_KEYS", "alice:" + ALICE + ":team-a,bob:" + BOB + ":team-b");

  @TempDir Path dir;

  @Test
  void a_request_without_a_key_is_401_with_www_authenticate_and_health_and_ready_stay_open() throws Exception {
    try (var t = TestApp.start(KEYS)) {
      var r = t.get("/executions");
      assertEquals(401, r.status(), r.raw());
      assertEquals("UNAUTHORIZED", r.json().get("error_code").asText());
      assertEquals("Bearer", r.header("WWW-Authenticate"));
      assertEquals(401, t.post("/execute/sdk", Map.of("prompt", "hi")).status());
      assertEquals(401, t.get("/no-such-route").status(), "unknown routes are behind the key too");
      assertEquals(401, t.get("/metrics").status(), "metrics are behind the key too");
      assertEquals(200, t.bearer(BOB).get("/metrics").status(), "a scraper sends a key as Bearer");
      assertEquals(200, t.get("/health").status());
      var ready = t.get("/ready");
      assertEquals(200, ready.status());
      assertTrue(ready.json().get("ready").asBoolean());
    }
  }

  @Test
  void a_wrong_key_gets_the_same_401_as_a_missing_one() throws Exception {
    try (var t = TestApp.start(KEYS)) {
      var missing = t.get("/executions");
      var wrong = t.bearer(ALICE + "x").get("/executions");
      var wrongHeader = t.apiKey("sk-se-nope").get("/executions");
      var notBearer = t.send(HttpRequest.newBuilder(URI.create(t.url("/executions"))).header("Authorization", "Basic " + ALICE));
      for (var r : List.of(wrong, wrongHeader, notBearer)) {
        assertEquals(401, r.status(), r.raw());
        assertEquals(missing.json().get("error").asText(), r.json().get("error").asText());
        assertEquals("Bearer", r.header("WWW-Authenticate"));
        assertFalse(r.raw().contains(ALICE), "the key is never echoed");
      }
    }
  }

  @Test
  void a_key_works_as_bearer_and_as_x_api_key_and_runs_for_its_instance() throws Exception {
    try (var t = TestApp.start(KEYS)) {
      t.claude.reply(endTurn("4"));
      var run = t.bearer(ALICE).post("/execute/sdk", Map.of("prompt", "2+2"));
      assertEquals(200, run.status(), run.raw());
      String id = run.json().get("request_id").asText();
      var record = t.apiKey(ALICE).get("/executions/" + id);
      assertEquals(200, record.status(), record.raw());
      assertEquals("team-a", record.json().get("instance_id").asText(), "the instance comes from the key");
      assertEquals(200, t.bearer(ALICE).send(HttpRequest.newBuilder(URI.create(t.url("/executions")))
          .header("X-API-Key", ALICE)).status(), "both headers with the same key are fine");
      assertEquals(401, t.bearer(ALICE).send(HttpRequest.newBuilder(URI.create(t.url("/executions")))
          .header("X-API-Key", BOB)).status(), "two different keys are refused");
    }
  }

  @Test
  void a_body_instance_id_other_than_the_keys_is_403_and_the_same_one_is_accepted() throws Exception {
    try (var t = TestApp.start(KEYS)) {
      var other = t.bearer(ALICE).post("/execute/sdk", Map.of("prompt", "hi", "instance_id", "team-b"));
      assertEquals(403, other.status(), other.raw());
      assertEquals("FORBIDDEN", other.json().get("error_code").asText());
      assertEquals(403, t.bearer(ALICE).get("/executions?instance_id=team-b").status());
      t.claude.reply(endTurn("ok"));
      assertEquals(200, t.bearer(ALICE).post("/execute/sdk", Map.of("prompt", "hi", "instance_id", "team-a")).status());
    }
  }

  @Test
  void another_tenants_execution_is_404_on_get_cancel_delete_and_events_and_invisible_in_the_list() throws Exception {
    try (var t = TestApp.start(KEYS)) {
      t.claude.reply(endTurn("slow").withLatency(Duration.ofSeconds(2)));
      var accepted = t.bearer(ALICE).post("/tasks", Map.of("prompt", "mine"));
      assertEquals(202, accepted.status(), accepted.raw());
      String id = accepted.json().get("request_id").asText();
      var bob = t.bearer(BOB);
      for (var r : List.of(bob.get("/executions/" + id), bob.post("/executions/" + id + "/cancel", Map.of()),
          bob.delete("/executions/" + id), bob.get("/executions/" + id + "/events"))) {
        assertEquals(404, r.status(), r.raw());
        assertEquals("NOT_FOUND", r.json().get("error_code").asText());
      }
      assertEquals(0, bob.get("/executions").json().get("executions").size());
      var mine = t.bearer(ALICE).get("/executions").json().get("executions");
      assertEquals(1, mine.size());
      assertEquals(id, mine.get(0).get("id").asText());
      assertEquals(200, t.bearer(ALICE).post("/executions/" + id + "/cancel", Map.of()).status(), "the owner can cancel");
    }
  }

  @Test
  void without_keys_loopback_callers_are_served_without_a_key() throws Exception {
    try (var t = TestApp.start()) {
      t.claude.reply(endTurn("4"));
      assertEquals(200, t.post("/execute/sdk", Map.of("prompt", "2+2")).status());
      assertEquals(200, t.get("/executions").status());
    }
  }

  @Test
  void without_keys_a_non_loopback_caller_is_refused() {
    var access = Access.from(settings("127.0.0.1", false));
    var e = assertThrows(sandboxexecutor.protocol.ExecutorException.class,
        () -> new Authenticator(access).authenticate(null, null, "10.1.2.3"));
    assertEquals(sandboxexecutor.protocol.ErrorCode.UNAUTHORIZED, e.code());
    assertTrue(new Authenticator(access).authenticate(null, null, "::1") instanceof Caller.Anonymous);
  }

  @Test
  void a_non_loopback_host_without_keys_refuses_to_start_and_says_how_to_create_a_key() {
    var e = assertThrows(IllegalArgumentException.class, () -> TestApp.start(Map.of("HOST", "0.0.0.0")));
    assertTrue(e.getMessage().contains("keys create <name> <instance_id>"), e.getMessage());
    assertTrue(e.getMessage().contains("HOST=0.0.0.0"), e.getMessage());
  }

  @Test
  void with_a_key_the_server_may_listen_on_every_interface() throws Exception {
    var env = new java.util.HashMap<>(KEYS);
    env.put("HOST", "0.0.0.0");
    try (var t = TestApp.start(env)) {
      assertEquals(401, t.get("/executions").status());
      assertEquals(200, t.bearer(ALICE).get("/executions").status());
    }
  }

  @Test
  void auth_disabled_serves_everyone_even_on_every_interface() throws Exception {
    try (var t = TestApp.start(Map.of("HOST", "0.0.0.0", "AUTH_DISABLED", "true"))) {
      assertEquals(200, t.get("/executions").status());
      assertNull(t.get("/executions").header("X-RateLimit-Limit"), "anonymous callers are not rate limited");
    }
  }

  @Test
  void keys_create_prints_a_working_key_once_and_the_file_holds_only_its_hash() throws Exception {
    Path file = dir.resolve("keys/api-keys.tsv");
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int code = new KeysCommand(file, new SecureRandom()).run(List.of("create", "ci", "default"),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    String key = out.toString(StandardCharsets.UTF_8).strip();
    assertTrue(key.matches("sk-se-[A-Za-z0-9_-]{43}"), key);
    String content = Files.readString(file);
    assertEquals("ci\t" + ApiKey.sha256Hex(key) + "\tdefault\n", content);
    assertFalse(content.contains(key));
    assertFalse(err.toString(StandardCharsets.UTF_8).contains(key), "the key is printed once, on stdout");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(2, new KeysCommand(file, new SecureRandom()).run(List.of("create", "ci", "other"),
        new PrintStream(out), new PrintStream(err)), "names are unique");
    try (var t = TestApp.start(Map.of("API_KEYS_FILE", file.toString()))) {
      assertEquals(200, t.bearer(key).get("/executions").status());
      assertEquals(401, t.get("/executions").status());
    }
  }

  @Test
  void keys_created_and_revoked_while_the_server_runs_take_effect_within_seconds_and_a_broken_file_changes_nothing()
      throws Exception {
    Path file = dir.resolve("api-keys.tsv");
    String first = keysCommand(file, 0, "create", "first", "team-a").strip();
    try (var t = TestApp.start(Map.of("API_KEYS_FILE", file.toString())); var logs = new LogCapture(Level.INFO)) {
      assertEquals(200, t.bearer(first).get("/executions").status());
      String second = keysCommand(file, 0, "create", "second", "team-b", "rpm=7").strip();
      awaitStatus(t, second, 200);
      assertEquals("7", t.bearer(second).get("/executions").header("X-RateLimit-Limit"), "its limits came along");
      assertEquals("first\tteam-a\nsecond\tteam-b\trpm=7\n", keysCommand(file, 0, "list"), "no hashes listed");

      keysCommand(file, 0, "revoke", "first");
      awaitStatus(t, first, 401);
      assertEquals(2, new KeysCommand(file, new SecureRandom()).run(List.of("revoke", "first"),
          new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream())), "already gone");

      Files.writeString(file, "second\tnot-a-hash\tteam-b\n", java.nio.file.StandardOpenOption.APPEND);
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!logs.all().contains("API_KEYS_FILE changed but is not valid")) {
        assertTrue(System.nanoTime() < until, "the broken file was never noticed: " + logs.all());
        Thread.sleep(50);
      }
      assertEquals(200, t.bearer(second).get("/executions").status(), "the keys in use stay");
      assertFalse(logs.all().contains(second), "keys are never logged");
    }
  }

  /** Runs the keys command, asserts its exit code, and returns its stdout. */
  static String keysCommand(Path file, int expectedExit, String... args) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int code = new KeysCommand(file, new SecureRandom()).run(List.of(args),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(expectedExit, code, err.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  static void awaitStatus(TestApp t, String key, int status) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (t.bearer(key).get("/executions").status() != status) {
      assertTrue(System.nanoTime() < until, "the server never answered " + status + " after the keys file changed");
      Thread.sleep(100);
    }
  }

  @Test
  void cors_is_off_by_default() throws Exception {
    try (var t = TestApp.start(KEYS)) {
      var preflight = t.send(preflight(t, "https://app.example.com"));
      assertNull(preflight.header("Access-Control-Allow-Origin"));
      assertNull(t.bearer(ALICE).send(HttpRequest.newBuilder(URI.create(t.url("/executions")))
          .header("Origin", "https://app.example.com")).header("Access-Control-Allow-Origin"));
    }
  }

  @Test
  void cors_origins_are_allowed_and_preflights_answered_without_a_key() throws Exception {
    var env = new java.util.HashMap<>(KEYS);
    env.put("CORS_ORIGINS", "https://app.example.com, https://admin.example.com");
    try (var t = TestApp.start(env)) {
      var preflight = t.send(preflight(t, "https://app.example.com"));
      assertEquals(204, preflight.status(), preflight.raw());
      assertEquals("https://app.example.com", preflight.header("Access-Control-Allow-Origin"));
      String allowed = preflight.header("Access-Control-Allow-Headers");
      for (String h : List.of("Authorization", "X-API-Key", "Content-Type", "Idempotency-Key", "Last-Event-ID")) {
        assertTrue(allowed.contains(h), allowed);
      }
      var get = t.bearer(ALICE).send(HttpRequest.newBuilder(URI.create(t.url("/executions")))
          .header("Origin", "https://admin.example.com"));
      assertEquals(200, get.status());
      assertEquals("https://admin.example.com", get.header("Access-Control-Allow-Origin"));
      assertTrue(get.header("Access-Control-Expose-Headers").contains("X-RateLimit-Remaining"));
      var stranger = t.send(preflight(t, "https://evil.example.com"));
      assertNull(stranger.header("Access-Control-Allow-Origin"));
      assertNull(stranger.header("Access-Control-Allow-Headers"));
      assertEquals(401, t.send(HttpRequest.newBuilder(URI.create(t.url("/executions")))
          .header("Origin", "https://app.example.com")).status(), "CORS does not replace the key");
    }
  }

  @Test
  void ready_turns_503_while_the_server_shuts_down() throws Exception {
    var t = TestApp.start(Map.of("SHUTDOWN_GRACE_MS", "3000"));
    try {
      t.claude.reply(endTurn("slow").withLatency(Duration.ofSeconds(2)));
      assertEquals(202, t.post("/tasks", Map.of("prompt", "hold")).status());
      var closing = Thread.ofVirtual().start(t.app::close);
      long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      int status = 200;
      while (status == 200 && System.nanoTime() < until) {
        status = t.get("/ready").status();
        Thread.sleep(20);
      }
      assertEquals(503, status);
      closing.join();
    } finally {
      t.close();
    }
  }

  private static HttpRequest.Builder preflight(TestApp t, String origin) {
    return HttpRequest.newBuilder(URI.create(t.url("/execute/sdk"))).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", origin).header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization, content-type");
  }

  static Config.AccessSettings settings(String host, boolean disabled) {
    return new Config.AccessSettings(host, java.util.Optional.empty(), Path.of("/nonexistent/api-keys.tsv"), false, disabled,
        600, 50, java.util.Optional.empty(), java.util.Optional.empty());
  }
}
