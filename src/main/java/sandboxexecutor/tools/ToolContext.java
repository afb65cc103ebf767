package sandboxexecutor.tools;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import sandboxexecutor.sandbox.OutputListener;
import sandboxexecutor.sandbox.Sandbox;

/**
 * Everything a tool may use while it runs for one execution. The agent loop builds it and does not know what
 * is inside: in SDK mode there is no sandbox, in sandbox mode every coding tool acts through it.
 *
 * @param deadline the execution's deadline; a tool bounds every wait by it
 * @param sandbox  the execution's sandbox, absent in SDK mode
 * @param model    small model calls on the execution's account (WebFetch, WebSearch)
 * @param output   live tool output, for streaming callers
 */
public record ToolContext(
    String executionId,
    Instant deadline,
    Optional<Sandbox> sandbox,
    TodoList todos,
    ModelAccess model,
    OutputListener output) {

  public Duration remaining() {
    Duration left = Duration.between(Instant.now(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** The same context for one tool call: its model calls through {@code model}, its output to {@code listener}. */
  public ToolContext forCall(ModelAccess model, OutputListener listener) {
    return new ToolContext(executionId, deadline, sandbox, todos, model, listener);
  }

  public Sandbox requireSandbox() {
    return sandbox.orElseThrow(() -> new IllegalStateException("this tool needs a sandbox (POST /execute)"));
  }
}
