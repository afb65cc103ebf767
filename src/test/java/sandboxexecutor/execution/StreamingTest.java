package sandboxexecutor.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;
import static sandboxexecutor.testing.FakeAnthropic.toolUse;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.testing.Sse;
import sandboxexecutor.testing.TestApp;

/** Server-Sent Events and NDJSON, read the way a browser's EventSource reads them. */
class StreamingTest {
  static final Map<String, Object> TODO = Map.of("todos", List.of(Map.of("content", "a", "status", "pending", "activeForm", "doing a")));
  TestApp t;

  @AfterEach
  void stop() throws Exception {
    if (t != null) t.close();
  }

  @Test
  void stream_true_sends_each_message_as_it_happens_then_the_same_result_as_without_streaming() throws Exception {
    t = TestApp.start();
    t.claude.reply(toolUse("t1", "TodoWrite", TODO), endTurn("streamed answer"));
    var stream = Sse.read(Sse.post(t.url("/execute/sdk"),
        "{\"prompt\":\"go\",\"stream\":true,\"options\":{\"include_partial_messages\":true}}").build(), 1000);
    assertEquals(200, stream.status());
    assertEquals("text/event-stream;charset=utf-8", stream.headers().get("content-type").get(0));
    List<String> names = stream.names().stream().filter(n -> !n.equals("stream_event")).toList();
    assertEquals(List.of("system", "assistant", "user", "assistant", "result"), names);
    assertTrue(stream.names().contains("stream_event"), "partial messages were asked for");
    JsonNode delta = stream.events().stream().filter(e -> e.name().equals("stream_event")).map(Sse.Event::json)
        .filter(e -> e.path("event").path("type").asText().equals("content_block_delta")).findFirst().orElseThrow();
    assertEquals("stream_event", delta.get("type").asText());
    for (int i = 0; i < stream.events().size(); i++) assertEquals(Long.toString(i + 1), stream.events().get(i).id());
    JsonNode result = stream.last().json();
    assertTrue(result.get("success").asBoolean());
    assertEquals("streamed answer", result.get("result").asText());
    assertEquals(2, result.get("metadata").get("num_turns").asInt());
    assertEquals("result", result.get("messages").get(result.get("messages").size() - 1).get("type").asText());
  }

  @Test
  void ndjson_gives_the_same_events_one_json_object_per_line() throws Exception {
    t = TestApp.start();
    t.claude.reply(endTurn("lines"));
    var r = t.send(HttpRequest.newBuilder(URI.create(t.url("/execute/sdk"))).header("Content-Type", "application/json")
        .header("Accept", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"go\"}")));
    assertEquals(200, r.status());
    List<String> lines = r.raw().lines().toList();
    assertEquals(List.of("system", "assistant", "result"), lines.stream().map(l -> json(l).get("type").asText()).toList());
    assertEquals("lines", json(lines.get(2)).get("result").asText());
  }

  @Test
  void sandbox_streams_tool_output_as_it_is_produced() throws Exception {
    SandboxTesting.assumeBubblewrap();
    t = TestApp.start();
    t.claude.reply(toolUse("b1", "Bash", Map.of("command", "echo first; sleep 0.3; echo second")), endTurn("done"));
    var stream = Sse.read(Sse.post(t.url("/execute"), "{\"task\":\"talk\",\"stream\":true}").build(), 1000);
    var chunks = stream.events().stream().filter(e -> e.name().equals("tool_output")).map(Sse.Event::json).toList();
    assertTrue(chunks.size() >= 2, "output arrived in chunks: " + chunks);
    assertEquals("b1", chunks.get(0).get("tool_use_id").asText());
    assertEquals("stdout", chunks.get(0).get("stream").asText());
    assertEquals("first\n", chunks.get(0).get("chunk").asText());
    JsonNode result = stream.last().json();
    assertTrue(result.get("diff").isTextual());
  }

  @Test
  void a_client_that_drops_reconnects_with_last_event_id_and_loses_nothing() throws Exception {
    t = TestApp.start(Map.of("SSE_HEARTBEAT_MS", "50"));
    t.claude.reply(toolUse("t1", "TodoWrite", TODO), endTurn("after a pause").withLatency(Duration.ofMillis(1500)));
    String id = t.post("/execute/sdk", Map.of("prompt", "go", "async", true)).json().get("request_id").asText();
    var first = Sse.read(HttpRequest.newBuilder(URI.create(t.url("/executions/" + id + "/events")))
        .header("Accept", "text/event-stream").build(), 2);
    assertEquals(List.of("system", "assistant"), first.names());
    var rest = Sse.read(HttpRequest.newBuilder(URI.create(t.url("/executions/" + id + "/events")))
        .header("Accept", "text/event-stream").header("Last-Event-ID", first.last().id()).build(), 1000);
    assertEquals(List.of("user", "assistant", "result"), rest.names());
    assertEquals("3", rest.events().get(0).id());
    assertTrue(rest.comments() > 0, "heartbeats kept the quiet stream alive");
    // after the end the stored events replay the same way
    var replay = Sse.read(HttpRequest.newBuilder(URI.create(t.url("/executions/" + id + "/events?last_event_id=4"))).build(), 1000);
    assertEquals(List.of("result"), replay.names());
    assertEquals("5", replay.events().get(0).id());
  }

  @Test
  void a_streaming_client_that_disconnects_does_not_stop_the_execution() throws Exception {
    t = TestApp.start();
    t.claude.reply(toolUse("t1", "TodoWrite", TODO), endTurn("finished anyway").withLatency(Duration.ofMillis(500)));
    var firstOnly = Sse.read(Sse.post(t.url("/execute/sdk"), "{\"prompt\":\"go\",\"stream\":true}").build(), 1);
    String id = firstOnly.events().get(0).json().get("session_id").asText();
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    JsonNode record;
    do {
      Thread.sleep(50);
      record = t.get("/executions/" + id).json();
    } while (!record.get("status").asText().equals("succeeded") && System.nanoTime() < until);
    assertEquals("succeeded", record.get("status").asText());
    assertEquals("finished anyway", record.get("result").get("result").asText());
  }

  static JsonNode json(String line) {
    try {
      return Json.MAPPER.readTree(line);
    } catch (java.io.IOException e) {
      throw new AssertionError(line, e);
    }
  }
}
