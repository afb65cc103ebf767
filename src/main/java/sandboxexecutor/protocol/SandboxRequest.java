package sandboxexecutor.protocol;

import java.util.List;
import java.util.Map;

/**
 * {@code POST /execute}: a task for the agent in a sandbox holding a clone of {@code repo} (null: an empty
 * repository). {@code setup} commands run before the agent, {@code verify} after it; both inside the sandbox.
 */
public record SandboxRequest(
    String task,
    String repo,
    String branch,
    ExecuteOptions options,
    boolean includeDiff,
    PermissionMode permissionMode,
    Map<String, String> env,
    List<String> setup,
    String verify,
    LimitOverrides limits) implements ModeRequest {

  public SandboxRequest {
    env = Map.copyOf(env);
    setup = List.copyOf(setup);
  }

  /** How far the agent may go inside the sandbox. */
  public enum PermissionMode {
    /** Edit files and run commands inside the sandbox (the default). */
    ACCEPT_EDITS("acceptEdits"),
    /** Read-only tools only: the agent can look and plan, not change. */
    PLAN("plan"),
    /** Every tool. Inside the sandbox this grants what acceptEdits grants; kept for Agent SDK callers. */
    BYPASS_PERMISSIONS("bypassPermissions");

    public final String wireName;

    PermissionMode(String wireName) {
      this.wireName = wireName;
    }

    public static PermissionMode parse(String value) {
      for (PermissionMode mode : values()) if (mode.wireName.equals(value)) return mode;
      return null;
    }
  }

  /** Per-request sandbox limits; null fields keep the operator's defaults, and none may exceed them. */
  public record LimitOverrides(Long commandTimeoutMs, Long memoryMb, Long maxProcesses, Long cpuSeconds,
                               Long maxFileMb, Long maxOutputBytes) {
    public static final LimitOverrides NONE = new LimitOverrides(null, null, null, null, null, null);
  }
}
