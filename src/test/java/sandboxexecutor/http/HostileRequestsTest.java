package sandboxexecutor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.testing.TestApp;

/**
 * More than a hundred malformed or hostile requests, sent as raw HTTP so nothing is cleaned up on the way:
 * every one gets a clean 4xx (with the JSON error body wherever the request reached the application), none
 * reaches the model, and the server is healthy afterwards.
 */
class HostileRequestsTest {
  static TestApp t;

  @BeforeAll
  static void start() throws Exception {
    t = TestApp.start(Map.of("MAX_BODY_BYTES", "65536"));
  }

  @AfterAll
  static void stop() throws Exception {
    t.close();
  }

  record Raw(int status, String head, String body) {}

  static Raw raw(String request) throws IOException {
    return raw(request.getBytes(StandardCharsets.UTF_8));
  }

  static Raw raw(byte[] request) throws IOException {
    try (var socket = new Socket("127.0.0.1", t.app.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      socket.shutdownOutput();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int split = response.indexOf("\r\n\r\n");
      String head = split < 0 ? response : response.substring(0, split);
      String body = split < 0 ? "" : response.substring(split + 4);
      String[] statusLine = head.split(" ", 3);
      return new Raw(statusLine.length > 1 ? Integer.parseInt(statusLine[1]) : -1, head, body);
    }
  }

  static String post(String path, String contentType, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
        + "Content-Length: " + bytes.length + "\r\n\r\n" + body;
  }

  static List<String> bodies() {
    var out = new ArrayList<String>();
    // broken JSON
    for (String s : List.of("", " ", "{", "}", "[", "{\"prompt\":}", "{\"prompt\" \"x\"}", "{'prompt':'x'}", "{\"prompt\":\"x\",}",
        "{\"prompt\":\"x\"}}", "nul", "NaN", "{\"prompt\":\"\\u12\"}", "{\"prompt\":\"x\" /* c */}", "\u0000{}", "{\"a\":1e999999999}",
        "[{}]", "\"just a string\"", "42", "true", "null")) out.add(s);
    // wrong types (or values) for every field
    Map<String, List<String>> invalid = Map.of(
        "prompt", List.of("123", "[]", "{}", "true", "null", "\"\"", "\"   \""),
        "options", List.of("123", "[]", "true", "\"x\""),
        "stream", List.of("123", "[]", "{}", "\"yes\""),
        "async", List.of("1", "[]", "{}", "\"true\""),
        "callback_url", List.of("123", "[]", "{}", "\"\"", "\"not a url\""),
        "instance_id", List.of("123", "[]", "{}", "\"\"", "\"a b\""),
        "project_id", List.of("123", "[]", "{}", "\"\"", "\"x/y\""),
        "cancel_on_disconnect", List.of("0", "[]", "{}", "\"no\""));
    invalid.forEach((field, values) -> values.forEach(value -> out.add(field.equals("prompt")
        ? "{\"prompt\":" + value + "}" : "{\"prompt\":\"x\",\"" + field + "\":" + value + "}")));
    for (String option : List.of("model", "max_turns", "system_prompt", "allowed_tools", "max_budget_usd", "max_tokens", "timeout_ms")) {
      for (String value : List.of("-1", "1e300", "[1,2]", "{\"a\":1}")) {
        out.add("{\"prompt\":\"x\",\"options\":{\"" + option + "\":" + value + "}}");
      }
    }
    // huge strings and arrays, deep nesting
    out.add("{\"prompt\":\"" + "A".repeat(70_000) + "\"}");
    out.add("{\"prompt\":\"x\",\"options\":{\"allowed_tools\":[" + "\"WebFetch\",".repeat(2_000) + "\"WebFetch\"]}}");
    out.add("[".repeat(5_000) + "]".repeat(5_000));
    out.add("{\"a\":".repeat(200) + "1" + "}".repeat(200));
    out.add("{\"prompt\":\"x\",\"instance_id\":\"" + "i".repeat(300) + "\"}");
    // unicode edge cases
    out.add("{\"prompt\":\"\\ud800\",\"instance_id\":\"\\ud800\"}");
    out.add("{\"prompt\":\"x\",\"instance_id\":\"\u202Eevil\"}");
    out.add("{\"prompt\":\"x\",\"instance_id\":\"\uD83D\uDE00\"}");
    out.add("{\"prompt\":\"\\u0000\"}");
    out.add("{\"prompt\":\"x\",\"project_id\":\"a/../../b\"}");
    out.add("{\"prompt\":\"x\",\"callback_url\":\"file:///etc/passwd\"}");
    out.add("{\"prompt\":\"x\",\"callback_url\":\"http://169.254.169.254/latest\"}");
    out.add("{\"\uFEFFprompt\":\"x\"}");
    out.add("{\"prompt\":\"x\",\"prompt\":\"y\"}");
    return out;
  }

  @Test
  void malformed_bodies_get_a_clean_4xx_json_error_and_never_reach_the_model() throws Exception {
    var bodies = bodies();
    assertTrue(bodies.size() >= 100, "at least 100 hostile bodies, got " + bodies.size());
    for (String path : List.of("/execute/sdk", "/execute", "/tasks")) {
      for (String body : bodies) {
        Raw r = raw(post(path, "application/json", body));
        assertTrue(r.status() >= 400 && r.status() < 500, path + " " + abbreviate(body) + " -> " + r.status() + " " + r.body());
        var json = Json.MAPPER.readTree(r.body());
        assertTrue(json.get("error_code").isTextual(), r.body());
        assertTrue(r.head().toLowerCase().contains("x-request-id:"), r.head());
      }
    }
    assertEquals(0, t.claude.requests().size(), "no hostile request reached the model");
    assertHealthy();
  }

  @Test
  void header_method_and_path_abuse_gets_a_clean_4xx() throws Exception {
    var requests = new ArrayList<byte[]>();
    requests.add(post("/execute/sdk", null, "{\"prompt\":\"x\"}").getBytes(StandardCharsets.UTF_8));
    requests.add(post("/execute/sdk", "text/plain", "{\"prompt\":\"x\"}").getBytes(StandardCharsets.UTF_8));
    requests.add(post("/execute/sdk", "application/json; charset=ebcdic", "{\"prompt\":").getBytes(StandardCharsets.UTF_8));
    requests.add(("POST /execute/sdk HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{}").getBytes(StandardCharsets.UTF_8));
    requests.add(("POST /execute/sdk HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n{}").getBytes(StandardCharsets.UTF_8));
    requests.add(("POST /execute/sdk HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nX-Huge: " + "h".repeat(70_000) + "\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.UTF_8));
    var manyHeaders = new StringBuilder("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (int i = 0; i < 2_000; i++) manyHeaders.append("X-H").append(i).append(": v\r\n");
    requests.add(manyHeaders.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
    requests.add(("GET /executions/%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    requests.add(("GET /executions/..%2F..%2Fetc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    requests.add(("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    requests.add(("BREW /execute/sdk HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    requests.add(("PUT /execute/sdk HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    requests.add(("GET /executions?limit=abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    requests.add(("GET /executions?created_from=yesterday HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    requests.add(("GET /executions?cursor=bm90LWEtY3Vyc29y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    requests.add(("GET /executions/x/events HTTP/1.1\r\nHost: x\r\nLast-Event-ID: minus one\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    requests.add(("POST /execute/sdk HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nIdempotency-Key: " + "k".repeat(300) + "\r\nContent-Length: 15\r\n\r\n{\"prompt\":\"x\"}").getBytes(StandardCharsets.UTF_8));
    requests.add(("POST /execute/sdk HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    requests.add(new byte[] {'G', 'E', 'T', ' ', '/', (byte) 0xff, (byte) 0xfe, ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n', '\r', '\n'});
    requests.add("this is not http\r\n\r\n".getBytes(StandardCharsets.UTF_8));
    for (byte[] request : requests) {
      Raw r = raw(request);
      assertTrue(r.status() >= 400 && r.status() < 500, abbreviate(new String(request, StandardCharsets.UTF_8)) + " -> " + r.status() + " " + abbreviate(r.body()));
    }
    assertEquals(0, t.claude.requests().size());
    assertHealthy();
  }

  static void assertHealthy() throws IOException {
    Raw health = raw("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertEquals(200, health.status(), health.body());
  }

  static String abbreviate(String s) {
    return s.length() > 120 ? s.substring(0, 120) + "…" : s;
  }
}
