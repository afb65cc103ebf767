package sandboxexecutor.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sandboxexecutor.observability.LogContext;
import sandboxexecutor.observability.Metrics;
import sandboxexecutor.observability.Tracing;
import sandboxexecutor.protocol.SdkMessage.PermissionDenial;
import sandboxexecutor.sandbox.Sandbox;
import sandboxexecutor.tools.ModelAccess;
import sandboxexecutor.tools.TodoList;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolContext;
import sandboxexecutor.tools.ToolRegistry;
import sandboxexecutor.tools.ToolResult;

/**
 * Runs the tool calls of one assistant turn. Calls of read-only tools run concurrently on virtual threads;
 * as soon as one call may change something, the turn's calls run one after another in the model's order.
 * Whatever a tool does wrong becomes an {@code is_error} result for the model; only a stop of the run ends it.
 */
final class ToolCalls {
  private static final Logger log = LoggerFactory.getLogger(ToolCalls.class);
  static final int MAX_RESULT_CHARS = 100_000;

  record Call(String id, String name, JsonNode input) {}

  private final Map<String, Tool> available;
  private final ToolRegistry registry;
  private final boolean readOnlyMode;
  private final Optional<Sandbox> sandbox;
  private final TodoList todos;
  private final Function<Context, ModelAccess> models;
  private final RunControl control;
  private final List<PermissionDenial> denials;
  private final AgentLoop.Listener listener;
  private final Metrics metrics;
  private final Tracing tracing;
  private final Context trace;

  /**
   * @param models a tool's model calls, traced under the span given
   * @param trace  the parent of the tool spans; passed along, since tools run on threads of their own
   */
  ToolCalls(Map<String, Tool> available, ToolRegistry registry, boolean readOnlyMode, Optional<Sandbox> sandbox,
            TodoList todos, Function<Context, ModelAccess> models, RunControl control, List<PermissionDenial> denials,
            AgentLoop.Listener listener, Metrics metrics, Tracing tracing, Context trace) {
    this.metrics = metrics;
    this.available = available;
    this.registry = registry;
    this.readOnlyMode = readOnlyMode;
    this.sandbox = sandbox;
    this.todos = todos;
    this.models = models;
    this.control = control;
    this.denials = denials;
    this.listener = listener;
    this.tracing = tracing;
    this.trace = trace;
  }

  List<ToolResult> run(List<Call> calls) throws InterruptedException {
    boolean concurrent = calls.size() > 1 && calls.stream()
        .allMatch(c -> available.containsKey(c.name()) && available.get(c.name()).readOnly());
    var results = new ArrayList<ToolResult>();
    var logContext = LogContext.capture(); // tool threads log under the execution's ids
    try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
      var pending = new ArrayList<Future<ToolResult>>();
      for (Call call : calls) {
        Future<ToolResult> future = executor.submit(() -> {
          try (var enlisted = control.enlist(); var span = tracing.tool(trace, known(call), call.id())) {
            ToolResult result = LogContext.with(logContext, () -> counted(call, callOne(call, span.context())));
            if (result.isError()) span.failed("tool_error"); else span.succeeded();
            return result;
          }
        });
        if (concurrent) pending.add(future); else results.add(await(future, executor));
      }
      for (Future<ToolResult> future : pending) results.add(await(future, executor));
    }
    return results;
  }

  private static ToolResult await(Future<ToolResult> future, java.util.concurrent.ExecutorService executor)
      throws InterruptedException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      executor.shutdownNow();
      throw e;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof InterruptedException interrupted) throw interrupted;
      return ToolResult.error("The tool failed: " + e.getCause());
    }
  }

  private ToolResult counted(Call call, ToolResult result) {
    metrics.toolCall(known(call), result.isError());
    return result;
  }

  /** The tool's name for metrics and spans: one of ours, or "unknown" for names the model made up. */
  private String known(Call call) {
    return available.containsKey(call.name()) ? call.name() : "unknown";
  }

  private ToolResult callOne(Call call, Context trace) throws InterruptedException {
    Tool tool = available.get(call.name());
    if (tool == null) {
      return ToolResult.error("No tool named '" + call.name() + "' is available in this execution. Available: "
          + String.join(", ", available.keySet()));
    }
    if (readOnlyMode && !tool.readOnly()) {
      denials.add(new PermissionDenial(call.name(), call.id(), call.input()));
      return ToolResult.error("Permission denied: " + call.name() + " can change the workspace, and this execution "
          + "runs in plan mode (read-only tools only). Describe the change instead.");
    }
    var invalid = registry.validate(tool, call.input());
    if (invalid.isPresent()) {
      return ToolResult.error("Invalid input for " + call.name() + ": " + invalid.get() + ". Fix the input and call it again.");
    }
    try {
      var context = new ToolContext(control.deadline(), sandbox, todos, models.apply(trace),
          (stream, chunk) -> listener.onToolOutput(call.id(), stream.name().toLowerCase(), chunk));
      return capped(tool.call(call.input(), context));
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      if (control.stopped() != null) throw new InterruptedException("run stopped");
      log.debug("tool {} failed", call.name(), e);
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return ToolResult.error(call.name() + " failed: " + message);
    }
  }

  private static ToolResult capped(ToolResult result) {
    String content = result.content();
    if (content.length() <= MAX_RESULT_CHARS) return result;
    int cut = content.length() - MAX_RESULT_CHARS;
    return new ToolResult("[... " + cut + " characters truncated ...]\n" + content.substring(cut), result.isError());
  }
}
