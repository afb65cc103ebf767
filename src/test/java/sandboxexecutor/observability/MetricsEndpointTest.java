package sandboxexecutor.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;
import static sandboxexecutor.testing.FakeAnthropic.failure;
import static sandboxexecutor.testing.FakeAnthropic.toolUse;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sandboxexecutor.testing.FakeAnthropic;
import sandboxexecutor.testing.TestApp;

class MetricsEndpointTest {
  TestApp t;

  @BeforeEach
  void start() throws Exception {
    t = TestApp.start();
  }

  @AfterEach
  void stop() throws Exception {
    t.close();
  }

  @Test
  void metrics_count_executions_tool_calls_and_tokens_by_model_after_a_run() {
    t.claude.reply(
        toolUse("t1", "TodoWrite", Map.of("todos", List.of(
            Map.of("content", "Add", "status", "completed", "activeForm", "Adding")))).withUsage(new FakeAnthropic.Usage(100, 40, 0, 0, 0)),
        toolUse("t2", "TodoWrite", Map.of("todos", "not a list")).withUsage(new FakeAnthropic.Usage(10, 5, 0, 0, 0)),
        endTurn("4").withUsage(new FakeAnthropic.Usage(20, 5, 0, 0, 0)));
    assertEquals(200, t.post("/execute/sdk", Map.of("prompt", "2+2")).status());
    t.claude.reply(failure(500, "api_error", "boom", Map.of("x-should-retry", "false")));
    assertEquals(502, t.post("/execute/sdk", Map.of("prompt", "2+2")).status());

    var r = t.get("/metrics");
    assertEquals(200, r.status());
    assertTrue(r.header("Content-Type").startsWith("text/plain"), r.header("Content-Type"));
    String m = r.raw();
    assertSample(m, "sandbox_executor_executions_total{mode=\"sdk\",status=\"succeeded\"}", 1);
    assertSample(m, "sandbox_executor_executions_total{mode=\"sdk\",status=\"failed\"}", 1);
    assertSample(m, "sandbox_executor_tool_calls_total{tool=\"TodoWrite\"}", 2);
    assertSample(m, "sandbox_executor_tool_errors_total{tool=\"TodoWrite\"}", 1);
    assertSample(m, "sandbox_executor_tokens_total{model=\"claude-sonnet-5-5\",type=\"input\"}", 130);
    assertSample(m, "sandbox_executor_tokens_total{model=\"claude-sonnet-5-5\",type=\"output\"}", 50);
    assertSample(m, "sandbox_executor_execution_turns_count{mode=\"sdk\"}", 2); // the failed run reports 0 turns
    assertSample(m, "sandbox_executor_execution_turns_sum{mode=\"sdk\"}", 3);
    assertSample(m, "sandbox_executor_execution_duration_seconds_count{mode=\"sdk\",status=\"succeeded\"}", 1);
    assertSample(m, "sandbox_executor_upstream_failures_total{status=\"500\"}", 1);
    assertSample(m, "sandbox_executor_executions_queued", 0);
    assertSample(m, "sandbox_executor_executions_live", 0);
    assertSample(m, "sandbox_executor_rate_limit_rejections_total", 0);
    assertTrue(m.contains("sandbox_executor_cost_usd_total{model=\"claude-sonnet-5-5\"}"), m);
    t.claude.assertDone();
  }

  @Test
  void a_broken_stream_counts_as_an_upstream_retry() {
    t.claude.reply(new FakeAnthropic.BrokenStream(endTurn("partial")), endTurn("ok"));
    assertEquals(200, t.post("/execute/sdk", Map.of("prompt", "hi")).status());
    assertSample(t.get("/metrics").raw(), "sandbox_executor_upstream_retries_total", 1);
  }

  private static void assertSample(String scrape, String series, double expected) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        assertEquals(expected, Double.parseDouble(line.substring(series.length() + 1).trim()), 1e-9, line);
        return;
      }
    }
    throw new AssertionError("no sample " + series + " in:\n" + scrape);
  }
}
