package sandboxexecutor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import sandboxexecutor.protocol.Json;

/**
 * A scripted fake of the Anthropic Messages API on 127.0.0.1 that speaks the real wire protocol (JSON and SSE
 * streaming, tool_use, server tool blocks, usage, errors, a stream that breaks), used through the official SDK.
 * Replies are served in order; it records every request, and {@link #assertDone()} fails a test that left a
 * reply unused, sent a request with no reply scripted, or sent a tool_result that answers no tool_use.
 * Prompt caching is simulated from the request's cache_control breakpoints, so cache-read tokens are real.
 */
public final class FakeAnthropic implements AutoCloseable {
  public sealed interface Reply {}

  /** One assistant turn. {@code usage} null: computed from the request (with the cache simulation). */
  public record Turn(List<Block> content, String stopReason, Usage usage, Duration latency) implements Reply {
    public Turn withLatency(Duration d) { return new Turn(content, stopReason, usage, d); }
    public Turn withUsage(Usage u) { return new Turn(content, stopReason, u, latency); }
  }

  /** An HTTP error with the API's error body. */
  public record Failure(int status, String type, String message, Map<String, String> headers) implements Reply {}

  /** Starts streaming {@code turn}, then drops the connection before message_stop. */
  public record BrokenStream(Turn turn) implements Reply {}

  /** Starts streaming, then sends an SSE {@code error} event (as the API does when overloaded mid-stream). */
  public record ErrorEvent(String type, String message) implements Reply {}

  public sealed interface Block {}
  public record Text(String text) implements Block {}
  public record ToolUse(String id, String name, Map<String, Object> input) implements Block {}
  public record ServerToolUse(String id, String name, Map<String, Object> input) implements Block {}
  public record WebSearchResult(String toolUseId, List<Map<String, String>> results) implements Block {}

  public record Usage(long input, long output, long cacheRead, long cacheCreation, long webSearches) {}

  /** A request as received. */
  public record Request(JsonNode body, Map<String, String> headers) {
    public JsonNode lastMessage() {
      JsonNode messages = body.get("messages");
      return messages.get(messages.size() - 1);
    }

    /** The tool_result block answering {@code toolUseId} in the last user message, or null. */
    public JsonNode toolResult(String toolUseId) {
      for (JsonNode block : lastMessage().path("content")) {
        if ("tool_result".equals(block.path("type").asText()) && toolUseId.equals(block.path("tool_use_id").asText())) {
          return block;
        }
      }
      return null;
    }

    public String toolResultText(String toolUseId) {
      JsonNode block = toolResult(toolUseId);
      if (block == null) return null;
      JsonNode content = block.get("content");
      if (content.isTextual()) return content.asText();
      var sb = new StringBuilder();
      content.forEach(c -> sb.append(c.path("text").asText()));
      return sb.toString();
    }
  }

  public static Turn endTurn(String text) {
    return new Turn(List.of(new Text(text)), "end_turn", null, Duration.ZERO);
  }

  public static Turn toolUse(String id, String name, Map<String, Object> input) {
    return new Turn(List.of(new ToolUse(id, name, input)), "tool_use", null, Duration.ZERO);
  }

  public static Turn turn(String stopReason, Block... blocks) {
    return new Turn(List.of(blocks), stopReason, null, Duration.ZERO);
  }

  public static Failure failure(int status, String type, String message, Map<String, String> headers) {
    return new Failure(status, type, message, headers);
  }

  private final HttpServer server;
  private final ConcurrentLinkedDeque<Reply> script = new ConcurrentLinkedDeque<>();
  private volatile Function<Request, Reply> responder;
  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
  private final Set<String> cache = Collections.synchronizedSet(new HashSet<>());
  private final AtomicInteger ids = new AtomicInteger();
  private volatile long firstDeltaNanos;

  /** System.nanoTime() when the latest turn's first content delta was flushed to the client (for benchmarks). */
  public long firstDeltaNanos() {
    return firstDeltaNanos;
  }

  static {
    // Like the real API: send each SSE event at once (with Nagle on, small writes wait for the client's 40 ms
    // delayed ACK), and keep pooled connections open (the SDK does not retry a request on a closed pooled one).
    System.setProperty("sun.net.httpserver.nodelay", "true");
    System.setProperty("sun.net.httpserver.maxIdleConnections", "100000");
  }

  public FakeAnthropic() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/messages", this::handle);
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public FakeAnthropic reply(Reply... replies) {
    script.addAll(List.of(replies));
    return this;
  }

  /** Computes each reply from its request (for concurrent runs, where order is not fixed). */
  public FakeAnthropic respondWith(Function<Request, Reply> fn) {
    this.responder = fn;
    return this;
  }

  public List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** The n-th request, 1-based. */
  public Request request(int n) {
    return requests().get(n - 1);
  }

  public void assertDone() {
    var issues = new ArrayList<>(problems);
    if (!script.isEmpty()) issues.add(script.size() + " scripted replies were never requested: " + script);
    if (!issues.isEmpty()) throw new AssertionError("fake Anthropic API: " + String.join("; ", issues));
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      JsonNode body = Json.MAPPER.readTree(exchange.getRequestBody());
      var headers = new LinkedHashMap<String, String>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
      var request = new Request(body, headers);
      requests.add(request);
      String invalid = validate(request);
      if (invalid != null) {
        problems.add(invalid);
        sendError(exchange, new Failure(400, "invalid_request_error", invalid, Map.of()));
        return;
      }
      Reply reply = responder != null ? responder.apply(request) : script.pollFirst();
      if (reply == null) {
        problems.add("request " + requests.size() + " arrived with no reply scripted");
        sendError(exchange, new Failure(500, "api_error", "no reply scripted", Map.of("x-should-retry", "false")));
        return;
      }
      boolean stream = body.path("stream").asBoolean(false);
      switch (reply) {
        case Failure f -> sendError(exchange, f);
        case Turn t -> {
          sleep(t.latency());
          if (stream) streamTurn(exchange, request, t, false); else sendJson(exchange, 200, message(request, t, true));
        }
        case BrokenStream b -> streamTurn(exchange, request, b.turn(), true);
        case ErrorEvent e -> {
          exchange.getResponseHeaders().add("content-type", "text/event-stream");
          exchange.sendResponseHeaders(200, 0);
          OutputStream out = exchange.getResponseBody();
          event(out, "message_start", Json.MAPPER.createObjectNode().put("type", "message_start")
              .set("message", message(request, endTurn(""), false)));
          var error = Json.MAPPER.createObjectNode().put("type", "error");
          error.putObject("error").put("type", e.type()).put("message", e.message());
          event(out, "error", error);
        }
      }
    } catch (BrokenPipe cut) {
      // the exchange closes here, so the client sees the stream end before message_stop
    } catch (Exception e) {
      problems.add("fake failed: " + e);
    }
  }

  /** Checks the conversation the way the API does: every tool_result answers a tool_use of the turn before. */
  private static String validate(Request request) {
    if (!request.headers().containsKey("x-api-key") && !request.headers().getOrDefault("authorization", "").startsWith("Bearer ")) {
      return "no credentials: neither x-api-key nor an Authorization bearer header";
    }
    JsonNode messages = request.body().path("messages");
    if (!messages.isArray() || messages.isEmpty()) return "messages must be a non-empty array";
    Set<String> open = new HashSet<>();
    for (JsonNode m : messages) {
      String role = m.path("role").asText();
      Set<String> answered = new HashSet<>();
      for (JsonNode block : m.path("content")) {
        String type = block.path("type").asText();
        if (role.equals("assistant") && type.equals("tool_use")) open.add(block.path("id").asText());
        if (type.equals("tool_result")) {
          String id = block.path("tool_use_id").asText();
          if (!open.remove(id)) return "tool_result " + id + " answers no tool_use of the previous turn";
          answered.add(id);
        }
      }
      if (role.equals("user") && !open.isEmpty()) return "tool_use ids " + open + " have no tool_result";
    }
    return null;
  }

  private void streamTurn(HttpExchange exchange, Request request, Turn turn, boolean breakIt) throws IOException {
    exchange.getResponseHeaders().add("content-type", "text/event-stream");
    exchange.getResponseHeaders().add("request-id", "req_fake_" + ids.incrementAndGet());
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    ObjectNode full = message(request, turn, true);
    ObjectNode start = message(request, turn, false);
    start.with("usage").put("output_tokens", 1);
    event(out, "message_start", Json.MAPPER.createObjectNode().put("type", "message_start").set("message", start));
    event(out, "ping", Json.MAPPER.createObjectNode().put("type", "ping"));
    ArrayNode content = (ArrayNode) full.get("content");
    for (int i = 0; i < content.size(); i++) {
      ObjectNode block = (ObjectNode) content.get(i).deepCopy();
      String type = block.path("type").asText();
      ObjectNode startBlock = block.deepCopy();
      String partial = null;
      if (type.equals("text")) {
        partial = block.path("text").asText();
        startBlock.put("text", "");
      } else if (type.equals("tool_use") || type.equals("server_tool_use")) {
        partial = Json.MAPPER.writeValueAsString(block.get("input"));
        startBlock.putObject("input");
      }
      event(out, "content_block_start", Json.MAPPER.createObjectNode().put("type", "content_block_start")
          .put("index", i).set("content_block", startBlock));
      if (breakIt) {
        out.flush();
        throw new BrokenPipe();
      }
      if (partial != null) {
        boolean first = i == 0;
        for (String piece : chunks(partial)) {
          ObjectNode delta = Json.MAPPER.createObjectNode();
          if (type.equals("text")) delta.put("type", "text_delta").put("text", piece);
          else delta.put("type", "input_json_delta").put("partial_json", piece);
          event(out, "content_block_delta", Json.MAPPER.createObjectNode().put("type", "content_block_delta")
              .put("index", i).set("delta", delta));
          if (first) {
            firstDeltaNanos = System.nanoTime();
            first = false;
          }
        }
      }
      event(out, "content_block_stop", Json.MAPPER.createObjectNode().put("type", "content_block_stop").put("index", i));
    }
    ObjectNode delta = Json.MAPPER.createObjectNode().put("type", "message_delta");
    delta.putObject("delta").put("stop_reason", turn.stopReason()).putNull("stop_sequence");
    delta.set("usage", full.get("usage"));
    event(out, "message_delta", delta);
    event(out, "message_stop", Json.MAPPER.createObjectNode().put("type", "message_stop"));
  }

  /** Cuts a stream short: the client sees it end mid-message, without message_delta or message_stop. */
  private static final class BrokenPipe extends RuntimeException {}

  private static List<String> chunks(String s) {
    var out = new ArrayList<String>();
    for (int i = 0; i < s.length(); i += 16) out.add(s.substring(i, Math.min(s.length(), i + 16)));
    if (out.isEmpty()) out.add("");
    return out;
  }

  private ObjectNode message(Request request, Turn turn, boolean withContent) {
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("id", "msg_fake_" + ids.incrementAndGet()).put("type", "message").put("role", "assistant");
    m.put("model", request.body().path("model").asText());
    ArrayNode content = m.putArray("content");
    if (withContent) {
      for (Block block : turn.content()) {
        switch (block) {
          case Text t -> content.addObject().put("type", "text").put("text", t.text());
          case ToolUse t -> content.addObject().put("type", "tool_use").put("id", t.id()).put("name", t.name())
              .set("input", Json.MAPPER.valueToTree(t.input()));
          case ServerToolUse t -> content.addObject().put("type", "server_tool_use").put("id", t.id())
              .put("name", t.name()).set("input", Json.MAPPER.valueToTree(t.input()));
          case WebSearchResult r -> {
            ObjectNode result = content.addObject().put("type", "web_search_tool_result").put("tool_use_id", r.toolUseId());
            ArrayNode items = result.putArray("content");
            for (var item : r.results()) {
              items.addObject().put("type", "web_search_result").put("title", item.get("title"))
                  .put("url", item.get("url")).put("encrypted_content", "opaque").putNull("page_age");
            }
          }
        }
      }
    }
    m.put("stop_reason", withContent ? turn.stopReason() : null);
    m.putNull("stop_sequence");
    Usage usage = turn.usage() != null ? turn.usage() : simulatedUsage(request, turn);
    ObjectNode u = m.putObject("usage");
    u.put("input_tokens", usage.input()).put("output_tokens", usage.output())
        .put("cache_creation_input_tokens", usage.cacheCreation()).put("cache_read_input_tokens", usage.cacheRead());
    u.putObject("cache_creation").put("ephemeral_5m_input_tokens", usage.cacheCreation()).put("ephemeral_1h_input_tokens", 0);
    u.putObject("server_tool_use").put("web_search_requests", usage.webSearches());
    u.put("service_tier", "standard");
    return m;
  }

  /**
   * Prompt caching as the API does it, in tokens of about four characters: the prompt is tools, then system,
   * then messages, as a list of blocks; a prefix ending at a cache_control breakpoint is written to the cache,
   * and a later request reads the longest cached prefix that ends within 20 blocks before one of its breakpoints.
   */
  private Usage simulatedUsage(Request request, Turn turn) {
    var blocks = new ArrayList<String>();
    var breakpoints = new ArrayList<Integer>();
    JsonNode body = request.body();
    for (JsonNode tool : body.path("tools")) add(blocks, breakpoints, tool);
    JsonNode system = body.path("system");
    if (system.isTextual()) blocks.add(system.asText());
    else for (JsonNode s : system) add(blocks, breakpoints, s);
    for (JsonNode m : body.path("messages")) {
      JsonNode content = m.path("content");
      if (content.isTextual()) blocks.add(m.path("role").asText() + content.asText());
      else for (JsonNode c : content) add(blocks, breakpoints, c);
    }
    long[] tokens = new long[blocks.size() + 1];
    String[] hashes = new String[blocks.size() + 1];
    hashes[0] = "";
    for (int i = 0; i < blocks.size(); i++) {
      tokens[i + 1] = tokens[i] + Math.max(1, blocks.get(i).length() / 4);
      hashes[i + 1] = Integer.toHexString((hashes[i] + "|" + blocks.get(i)).hashCode()) + ":" + (i + 1);
    }
    long read = 0;
    for (int bp : breakpoints) {
      for (int end = bp; end > Math.max(0, bp - 20); end--) {
        if (cache.contains(hashes[end])) {
          read = Math.max(read, tokens[end]);
          break;
        }
      }
    }
    long cachedUpTo = breakpoints.isEmpty() ? 0 : tokens[breakpoints.get(breakpoints.size() - 1)];
    for (int bp : breakpoints) cache.add(hashes[bp]);
    long creation = Math.max(0, cachedUpTo - read);
    long input = tokens[blocks.size()] - read - creation;
    long output = 1;
    long searches = 0;
    for (Block b : turn.content()) {
      output += switch (b) {
        case Text t -> t.text().length() / 4;
        case ToolUse t -> 10 + t.input().toString().length() / 4;
        case ServerToolUse s -> { searches++; yield 10; }
        case WebSearchResult r -> 0;
      };
    }
    return new Usage(input, output, read, creation, searches);
  }

  private static void add(List<String> blocks, List<Integer> breakpoints, JsonNode block) {
    ObjectNode copy = block.deepCopy();
    boolean marked = copy.remove("cache_control") != null;
    blocks.add(copy.toString());
    if (marked) breakpoints.add(blocks.size());
  }

  private static void event(OutputStream out, String name, JsonNode data) throws IOException {
    out.write(("event: " + name + "\ndata: " + Json.MAPPER.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void sendError(HttpExchange exchange, Failure f) throws IOException {
    f.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
    ObjectNode body = Json.MAPPER.createObjectNode().put("type", "error");
    body.putObject("error").put("type", f.type()).put("message", f.message());
    sendJson(exchange, f.status(), body);
  }

  private static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
    exchange.getResponseHeaders().add("content-type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static void sleep(Duration d) {
    if (d.isZero()) return;
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
