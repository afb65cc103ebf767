package sandboxexecutor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;
import static sandboxexecutor.testing.FakeAnthropic.toolUse;
import static sandboxexecutor.testing.FakeAnthropic.turn;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sandboxexecutor.testing.FakeAnthropic;
import sandboxexecutor.testing.TestApp;

class SdkToolsTest {
  HttpServer site;
  final AtomicInteger hits = new AtomicInteger();
  TestApp t;

  @BeforeEach
  void startSite() throws Exception {
    site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    site.createContext("/page", exchange -> {
      hits.incrementAndGet();
      byte[] html = "<html><head><title>T</title><script>evil()</script></head><body><h1>Launch codes</h1><p>The answer is 42.</p></body></html>"
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
      exchange.sendResponseHeaders(200, html.length);
      exchange.getResponseBody().write(html);
      exchange.close();
    });
    site.start();
  }

  @AfterEach
  void stop() throws Exception {
    site.stop(0);
    if (t != null) t.close();
  }

  String pageUrl() {
    return "http://127.0.0.1:" + site.getAddress().getPort() + "/page";
  }

  @Test
  void web_fetch_refuses_a_loopback_page_when_private_networks_are_not_allowed() throws Exception {
    t = TestApp.start(Map.of("ALLOW_PRIVATE_NETWORKS", "false"));
    t.claude.reply(toolUse("f1", "WebFetch", Map.of("url", pageUrl(), "prompt", "What is the answer?")), endTurn("refused"));
    var r = t.post("/execute/sdk", Map.of("prompt", "read the page"));
    assertEquals(200, r.status(), r.raw());
    var result = t.claude.request(2);
    assertTrue(result.toolResult("f1").get("is_error").asBoolean());
    assertTrue(result.toolResultText("f1").contains("ALLOW_PRIVATE_NETWORKS"), result.toolResultText("f1"));
    assertEquals(0, hits.get(), "the page server saw no request");
    t.claude.assertDone();
  }

  @Test
  void web_fetch_reads_a_local_page_through_the_small_model_when_private_networks_are_allowed() throws Exception {
    t = TestApp.start(Map.of("ALLOW_PRIVATE_NETWORKS", "true"));
    t.claude.reply(toolUse("f1", "WebFetch", Map.of("url", pageUrl(), "prompt", "What is the answer?")),
        endTurn("The page says the answer is 42.").withUsage(new FakeAnthropic.Usage(1000, 10, 0, 0, 0)),
        endTurn("42"));
    var r = t.post("/execute/sdk", Map.of("prompt", "read the page"));
    assertEquals(200, r.status(), r.raw());
    var pageCall = t.claude.request(2).body();
    assertEquals("claude-haiku-5-5", pageCall.get("model").asText());
    String sentPage = pageCall.get("messages").get(0).get("content").toString();
    assertTrue(sentPage.contains("# Launch codes") && sentPage.contains("The answer is 42."), sentPage);
    assertFalse(sentPage.contains("evil()"), "scripts are dropped");
    String toolText = t.claude.request(3).toolResultText("f1");
    assertTrue(toolText.contains("HTTP 200") && toolText.endsWith("The page says the answer is 42."), toolText);
    var modelUsage = r.json().get("messages").get(r.json().get("messages").size() - 1).get("modelUsage");
    assertTrue(modelUsage.has("claude-haiku-5-5") && modelUsage.has("claude-sonnet-5-5"), modelUsage.toString());
    assertEquals(1, hits.get());
    t.claude.assertDone();
  }

  @Test
  void web_search_runs_the_server_tool_and_bills_its_requests() throws Exception {
    t = TestApp.start();
    t.claude.reply(toolUse("s1", "WebSearch", Map.of("query", "java 21 release date", "allowed_domains", List.of("openjdk.org"))),
        turn("end_turn",
            new FakeAnthropic.ServerToolUse("srvtoolu_1", "web_search", Map.of("query", "java 21 release date")),
            new FakeAnthropic.WebSearchResult("srvtoolu_1", List.of(Map.of("title", "JDK 21", "url", "https://openjdk.org/projects/jdk/21/"))),
            new FakeAnthropic.Text("JDK 21 was released on 2023-09-19.")),
        endTurn("September 2023"));
    var r = t.post("/execute/sdk", Map.of("prompt", "When was Java 21 released?"));
    assertEquals(200, r.status(), r.raw());
    var searchCall = t.claude.request(2).body();
    var tool = searchCall.get("tools").get(0);
    assertEquals("web_search_20250305", tool.get("type").asText());
    assertEquals("openjdk.org", tool.get("allowed_domains").get(0).asText());
    String toolText = t.claude.request(3).toolResultText("s1");
    assertTrue(toolText.contains("JDK 21 (https://openjdk.org/projects/jdk/21/)") && toolText.contains("2023-09-19"), toolText);
    assertEquals(1, r.json().get("metadata").get("usage").get("server_tool_use").get("web_search_requests").asInt());
    t.claude.assertDone();
  }

  @Test
  void concurrent_executions_each_get_their_own_conversation() throws Exception {
    t = TestApp.start();
    t.claude.respondWith(request -> {
      String prompt = request.body().get("messages").get(0).get("content").get(0).get("text").asText();
      if (request.toolResult("t-" + prompt) != null) return endTurn("answer " + prompt);
      return toolUse("t-" + prompt, "TodoWrite", Map.of("todos", List.of(Map.of("content", prompt, "status", "completed", "activeForm", prompt))));
    });
    int n = 40;
    var results = new ArrayList<Future<TestApp.Response>>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        String prompt = "p" + i;
        results.add(pool.submit(() -> t.post("/execute/sdk", Map.of("prompt", prompt))));
      }
      for (int i = 0; i < n; i++) {
        var r = results.get(i).get();
        assertEquals(200, r.status(), r.raw());
        assertEquals("answer p" + i, r.json().get("result").asText());
        assertEquals("p" + i, r.json().get("metadata").get("todos").get(0).get("content").asText());
      }
    }
    assertEquals(2 * n, t.claude.requests().size());
    t.claude.assertDone();
  }
}
