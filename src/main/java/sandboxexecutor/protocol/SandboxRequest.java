package sandboxexecutor.protocol;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

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

  /**
   * Sandbox limits asked for by a request, or capped by an instance's settings; null fields keep the operator's
   * defaults, and none may exceed them.
   */
  public record LimitOverrides(Long commandTimeoutMs, Long memoryMb, Long maxProcesses, Long cpuSeconds,
                               Long maxFileMb, Long maxOutputBytes) {
    public static final LimitOverrides NONE = new LimitOverrides(null, null, null, null, null, null);

    /** The JSON fields in component order, with the values they accept: one table for every parser. */
    public static final List<Field> FIELDS = List.of(new Field("command_timeout_ms", 1_000, 86_400_000),
        new Field("memory_mb", 16, 1 << 20), new Field("max_processes", 8, 100_000), new Field("cpu_seconds", 1, 86_400),
        new Field("max_file_mb", 1, 1 << 20), new Field("max_output_bytes", 1_000, 100_000_000));

    public record Field(String name, long min, long max) {}

    /** Reads the fields in order with {@code read}, which checks the bounds and returns null for an absent one. */
    public static LimitOverrides read(Function<Field, Long> read) {
      Long[] v = new Long[FIELDS.size()];
      for (int i = 0; i < v.length; i++) v[i] = read.apply(FIELDS.get(i));
      return new LimitOverrides(v[0], v[1], v[2], v[3], v[4], v[5]);
    }
  }
}
