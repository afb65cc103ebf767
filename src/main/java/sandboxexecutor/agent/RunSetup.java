package sandboxexecutor.agent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import sandboxexecutor.config.Config;
import sandboxexecutor.protocol.ExecuteOptions;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.sandbox.Sandbox;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolRegistry;

/** Turns a request's options into an {@link AgentLoop.Run}: model, tools, prompt, limits and their defaults. */
public final class RunSetup {
  /** What differs between the modes: the tools on offer, the turn limit and the default system prompt. */
  public record Mode(String name, ToolRegistry tools, int defaultMaxTurns, String systemPrompt) {}

  private final Config config;

  public RunSetup(Config config) {
    this.config = config;
  }

  public static String prompt(String resource) {
    try (InputStream in = RunSetup.class.getResourceAsStream("/prompts/" + resource)) {
      if (in == null) throw new IllegalStateException("missing prompt " + resource);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The execution's wall-clock budget: options.timeout_ms, capped by MAX_EXECUTION_TIME. */
  public Duration timeout(ExecuteOptions options) {
    long cap = config.maxExecutionTime().toMillis();
    return Duration.ofMillis(options.timeoutMs() == null ? cap : Math.min(options.timeoutMs(), cap));
  }

  /** @param readOnly plan mode: only read-only tools run */
  public AgentLoop.Run plan(String requestId, String prompt, ExecuteOptions options, Mode mode, boolean readOnly,
                            String permissionMode, String cwd, Optional<Sandbox> sandbox) {
    String modelId = config.models().resolve(options.model() == null ? config.defaultModel() : options.model());
    long maxOutput = config.models().price(modelId).maxOutputTokens();
    long maxTokens = options.maxTokens() == null ? Math.min(config.defaultMaxTokens(), maxOutput) : options.maxTokens();
    if (maxTokens > maxOutput) {
      throw ExecutorException.invalid("options.max_tokens must be at most " + maxOutput + " for " + modelId);
    }
    List<Tool> tools = mode.tools().select(options.allowedTools(), options.disallowedTools());
    String system = options.systemPrompt() != null ? options.systemPrompt() : mode.systemPrompt();
    system += "\n\nToday's date is " + LocalDate.now(ZoneOffset.UTC) + ".";
    if (options.appendSystemPrompt() != null) system += "\n\n" + options.appendSystemPrompt();
    long timeoutMs = timeout(options).toMillis();
    int maxTurns = options.maxTurns() == null ? mode.defaultMaxTurns() : options.maxTurns();
    return new AgentLoop.Run(requestId, prompt, system, modelId, tools, mode.tools(), readOnly, permissionMode,
        maxTurns, options.maxBudgetUsd(), maxTokens, timeoutMs, cwd, sandbox);
  }
}
