package sandboxexecutor.tools.coding;

import java.time.Duration;
import sandboxexecutor.sandbox.SandboxFiles;
import sandboxexecutor.tools.ToolContext;

/** File access for the coding tools: through the execution's sandbox, bounded by its deadline. */
final class Workspace {
  private static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(60);

  private Workspace() {}

  static Duration timeout(ToolContext context) {
    Duration left = context.remaining();
    if (left.isZero()) return Duration.ofMillis(1);
    return left.compareTo(OPERATION_TIMEOUT) < 0 ? left : OPERATION_TIMEOUT;
  }

  static SandboxFiles files(ToolContext context) {
    return new SandboxFiles(context.requireSandbox(), timeout(context));
  }
}
