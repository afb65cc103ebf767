package sandboxexecutor.tools.coding;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.sandbox.Command;
import sandboxexecutor.sandbox.CommandResult;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolContext;
import sandboxexecutor.tools.ToolResult;

/**
 * Runs a bash command inside the sandbox, in the workspace. The model's command is a script for the sandbox's
 * shell; the host only ever passes it as one argument. A non-zero exit, a timeout or a limit is an error
 * result with the exit code and the reason, never a failed execution.
 */
public final class BashTool implements Tool {
  static final long DEFAULT_TIMEOUT_MS = 120_000;
  private static final JsonNode SCHEMA = Json.parse("""
      {"type":"object","additionalProperties":false,"required":["command"],"properties":{
        "command":{"type":"string","minLength":1,"description":"The command to execute"},
        "timeout":{"type":"integer","minimum":1,"maximum":600000,"description":"Optional timeout in milliseconds (max 600000)"},
        "description":{"type":"string","description":"What the command does, in 5-10 words"},
        "run_in_background":{"type":"boolean","description":"Not supported here: processes do not outlive a command"}}}""");

  record Input(String command, Long timeout, String description, @JsonProperty("run_in_background") Boolean runInBackground) {}

  @Override public String name() { return "Bash"; }

  @Override public String description() {
    return "Run a bash command in the sandbox, with the workspace as the working directory. Use it to build, test, "
        + "run programs, and use git read-only. Each call is a fresh shell: environment changes and background "
        + "processes do not carry over. Commands have time, memory and output limits; output is truncated to its "
        + "tail when long. Prefer Read, Glob and Grep over cat, find and grep for looking at files.";
  }

  @Override public JsonNode inputSchema() { return SCHEMA; }

  @Override public boolean readOnly() { return false; }

  @Override
  public ToolResult call(JsonNode json, ToolContext context) throws Exception {
    var input = Json.MAPPER.treeToValue(json, Input.class);
    if (Boolean.TRUE.equals(input.runInBackground())) {
      return ToolResult.error("run_in_background is not supported: every process ends with its command. "
          + "Run the command in the foreground, or start and use a server within one command.");
    }
    Duration timeout = Duration.ofMillis(input.timeout() == null ? DEFAULT_TIMEOUT_MS : input.timeout());
    if (timeout.compareTo(context.remaining()) > 0) timeout = context.remaining();
    if (timeout.isZero()) return ToolResult.error("The execution's deadline has passed");
    CommandResult result = context.requireSandbox().run(
        new Command(List.of("bash", "-c", input.command()), null, Map.of(), null, timeout), context.output());
    return render(result);
  }

  static ToolResult render(CommandResult result) {
    var text = new StringBuilder(result.stdout());
    if (!result.stderr().isEmpty()) {
      if (!text.isEmpty() && text.charAt(text.length() - 1) != '\n') text.append('\n');
      text.append(result.stderr());
    }
    return switch (result.termination()) {
      case EXITED -> result.exitCode() == 0
          ? ToolResult.ok(text.isEmpty() ? "(no output)" : text.toString())
          : ToolResult.error(text + (text.isEmpty() ? "" : "\n") + "Exit code " + result.exitCode());
      case TIMED_OUT, LIMIT_EXCEEDED, CANCELLED -> ToolResult.error(text + (text.isEmpty() ? "" : "\n")
          + "Stopped: " + result.reason() + " (exit code " + result.exitCode() + ")");
    };
  }
}
