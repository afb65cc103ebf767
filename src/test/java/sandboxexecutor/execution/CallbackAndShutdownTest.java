package sandboxexecutor.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.store.ExecutionStores;
import sandboxexecutor.testing.TestApp;

class CallbackAndShutdownTest {
  static final String SECRET = "callback-test-secret";
  HttpServer receiver;
  final List<String> signatures = new CopyOnWriteArrayList<>();
  final List<byte[]> bodies = new CopyOnWriteArrayList<>();
  final AtomicInteger failuresLeft = new AtomicInteger();
  TestApp t;

  @BeforeEach
  void receiver() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      bodies.add(exchange.getRequestBody().readAllBytes());
      signatures.add(exchange.getRequestHeaders().getFirst("X-Signature"));
      int status = failuresLeft.getAndDecrement() > 0 ? 500 : 204;
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    receiver.start();
  }

  @AfterEach
  void stop() throws Exception {
    receiver.stop(0);
    if (t != null) t.close();
  }

  String hook() {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
  }

  JsonNode awaitDeliveries(String id, int count) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < until) {
      JsonNode record = t.get("/executions/" + id).json();
      if (record.path("callback_deliveries").size() >= count) return record;
      Thread.sleep(20);
    }
    throw new AssertionError("fewer than " + count + " deliveries: " + t.get("/executions/" + id).raw());
  }

  @Test
  void the_final_payload_is_posted_signed_and_retried_until_it_is_accepted() throws Exception {
    t = TestApp.start(Map.of("ALLOW_PRIVATE_NETWORKS", "true", "CALLBACK_SECRET", SECRET, "CALLBACK_BACKOFF_MS", "20"));
    failuresLeft.set(2);
    t.claude.reply(endTurn("called back"));
    String id = t.post("/execute/sdk", Map.of("prompt", "x", "async", true, "callback_url", hook())).json().get("request_id").asText();
    JsonNode record = awaitDeliveries(id, 3);
    var deliveries = record.get("callback_deliveries");
    assertEquals(List.of(500, 500, 204), List.of(deliveries.get(0).get("status_code").asInt(),
        deliveries.get(1).get("status_code").asInt(), deliveries.get(2).get("status_code").asInt()));
    assertNull(deliveries.get(2).get("error"));
    byte[] body = bodies.get(2);
    assertEquals(Callbacks.signature(SECRET.getBytes(StandardCharsets.UTF_8), body), signatures.get(2));
    JsonNode payload = Json.MAPPER.readTree(body);
    assertEquals(id, payload.get("execution_id").asText());
    assertEquals("succeeded", payload.get("status").asText());
    assertEquals("called back", payload.get("result").asText());
  }

  @Test
  void delivery_gives_up_after_the_last_attempt() throws Exception {
    t = TestApp.start(Map.of("ALLOW_PRIVATE_NETWORKS", "true", "CALLBACK_SECRET", SECRET, "CALLBACK_BACKOFF_MS", "10",
        "CALLBACK_MAX_ATTEMPTS", "3"));
    failuresLeft.set(100);
    t.claude.reply(endTurn("nobody listens"));
    String id = t.post("/execute/sdk", Map.of("prompt", "x", "async", true, "callback_url", hook())).json().get("request_id").asText();
    var deliveries = awaitDeliveries(id, 3).get("callback_deliveries");
    Thread.sleep(300);
    assertEquals(3, t.get("/executions/" + id).json().get("callback_deliveries").size(), "no fourth attempt");
    assertTrue(deliveries.get(2).path("next_attempt_at").isNull() || deliveries.get(2).path("next_attempt_at").isMissingNode());
    assertTrue(deliveries.get(0).get("next_attempt_at").isTextual());
  }

  @Test
  void callback_urls_are_checked_like_every_user_supplied_url() throws Exception {
    t = TestApp.start(Map.of("CALLBACK_SECRET", SECRET));
    var plainHttp = t.post("/execute/sdk", Map.of("prompt", "x", "callback_url", hook()));
    assertEquals(400, plainHttp.status(), plainHttp.raw());
    assertEquals("URL_NOT_ALLOWED", plainHttp.json().get("error_code").asText());
    t.claude.reply(endTurn("ok"));
    String id = t.post("/execute/sdk", Map.of("prompt", "x", "async", true, "callback_url", "https://127.0.0.1:9/hook"))
        .json().get("request_id").asText();
    var delivery = awaitDeliveries(id, 1).get("callback_deliveries").get(0);
    assertTrue(delivery.get("error").asText().contains("ALLOW_PRIVATE_NETWORKS"), delivery.toString());
    Thread.sleep(200);
    assertEquals(1, t.get("/executions/" + id).json().get("callback_deliveries").size(), "a refused address is not retried");
  }

  @Test
  void without_a_callback_secret_a_callback_url_is_refused() throws Exception {
    t = TestApp.start(Map.of("ALLOW_PRIVATE_NETWORKS", "true"));
    var r = t.post("/execute/sdk", Map.of("prompt", "x", "callback_url", hook()));
    assertEquals(400, r.status());
    assertTrue(r.json().get("error").asText().contains("CALLBACK_SECRET"));
  }

  @Test
  void shutdown_lets_the_grace_period_pass_then_cancels_and_records_running_executions() throws Exception {
    t = TestApp.start(Map.of("SHUTDOWN_GRACE_MS", "200"));
    t.claude.reply(endTurn("too slow").withLatency(Duration.ofSeconds(10)));
    String id = t.post("/execute/sdk", Map.of("prompt", "x", "async", true)).json().get("request_id").asText();
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!t.get("/executions/" + id).json().get("status").asText().equals("running") && System.nanoTime() < until) Thread.sleep(20);
    long started = System.nanoTime();
    t.app.close();
    assertTrue((System.nanoTime() - started) / 1_000_000 < 5_000, "shutdown is bounded");
    try (var store = ExecutionStores.open(java.util.Optional.empty(), t.dataDir)) {
      var record = store.find(id).orElseThrow();
      assertEquals("cancelled", record.status().wire());
    }
  }
}
