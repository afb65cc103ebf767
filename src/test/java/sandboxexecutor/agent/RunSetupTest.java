package sandboxexecutor.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import sandboxexecutor.config.Config;
import sandboxexecutor.instances.InstanceSettings;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecuteOptions;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.tools.TodoWriteTool;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolRegistry;
import sandboxexecutor.tools.web.WebSearchTool;

class RunSetupTest {
  final RunSetup setup = new RunSetup(Config.from(Map.of()));
  final RunSetup.Mode mode = new RunSetup.Mode(
      new ToolRegistry(List.of(new WebSearchTool(), new TodoWriteTool()), List.of("WebSearch", "TodoWrite")), 10, "SYSTEM");
  static final ExecuteOptions NONE = options(null, null, null, null);

  static ExecuteOptions options(String model, Integer maxTurns, List<String> tools, Double budget) {
    return new ExecuteOptions(model, maxTurns, null, null, tools, null, budget, null, null);
  }

  static final Context TRACE = Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(
      "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault())));

  AgentLoop.Run plan(ExecuteOptions options, InstanceSettings s) {
    return setup.plan("id", "p", options, mode, "default", "/", new RunSetup.Caller("acme", s, TRACE));
  }

  @Test
  void without_instance_rules_the_service_defaults_apply() {
    var run = plan(NONE, InstanceSettings.NONE);
    assertEquals("claude-sonnet-5-5", run.modelId());
    assertEquals(10, run.maxTurns());
    assertEquals(null, run.maxBudgetUsd());
    assertEquals(List.of("WebSearch", "TodoWrite"), run.tools().stream().map(Tool::name).toList());
    assertSame(TRACE, run.trace());
  }

  @Test
  void instance_caps_become_defaults_when_lower_and_requests_may_go_below_them() {
    var s = new InstanceSettings(List.of("haiku", "opus"), "haiku", List.of("TodoWrite", "Bash"), null, 4, 1.0, "EXTRA", null);
    var run = plan(NONE, s);
    assertEquals("claude-haiku-5-5", run.modelId());
    assertEquals(4, run.maxTurns());
    assertEquals(1.0, run.maxBudgetUsd());
    assertEquals(List.of("TodoWrite"), run.tools().stream().map(Tool::name).toList());
    assertTrue(run.systemPrompt().startsWith("SYSTEM") && run.systemPrompt().endsWith("EXTRA"));
    var lower = plan(options("claude-opus-5-5", 2, null, 0.5), s); // a full id of an allowed alias is allowed
    assertEquals(List.of("claude-opus-5-5", 2, 0.5), List.of(lower.modelId(), lower.maxTurns(), lower.maxBudgetUsd()));
  }

  @Test
  void a_request_above_the_instance_s_rules_is_refused_naming_the_field() {
    var s = new InstanceSettings(List.of("haiku"), null, List.of("TodoWrite"), null, 4, 1.0, null, null);
    // DEFAULT_MODEL (sonnet) is not allowed either: the caller has to name an allowed model
    assertEquals(ErrorCode.MODEL_NOT_ALLOWED, assertThrows(ExecutorException.class, () -> plan(NONE, s)).code());
    assertEquals("options.max_turns", field(() -> plan(options("haiku", 5, null, null), s)));
    assertEquals("options.max_budget_usd", field(() -> plan(options("haiku", null, null, 1.5), s)));
    assertEquals("options.allowed_tools:", field(() -> plan(options("haiku", null, List.of("WebSearch"), null), s)));
  }

  private static String field(org.junit.jupiter.api.function.Executable call) {
    var e = assertThrows(ExecutorException.class, call);
    assertEquals(ErrorCode.INVALID_REQUEST, e.code());
    return e.getMessage().split(" ")[0];
  }
}
