package sandboxexecutor.tools;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import sandboxexecutor.sandbox.OutputListener;
import sandboxexecutor.sandbox.Sandbox;

/**
 * Everything a tool may use during one call. The agent loop builds one per call and does not know what is
 * inside: in SDK mode there is no sandbox, in sandbox mode every coding tool acts through it.
 *
 * @param deadline the execution's deadline; a tool bounds every wait by it
 * @param sandbox  the execution's sandbox, absent in SDK mode
 * @param model    small model calls on the execution's account (WebFetch, WebSearch), traced under this call
 * @param output   this call's live output, for streaming callers
 */
public record ToolContext(
    Instant deadline,
    Optional<Sandbox> sandbox,
    TodoList todos,
    ModelAccess model,
    OutputListener output) {

  public Duration remaining() {
    Duration left = Duration.between(Instant.now(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }

  public Sandbox requireSandbox() {
    return sandbox.orElseThrow(() -> new IllegalStateException("this tool needs a sandbox (POST /execute)"));
  }
}
