package sandboxexecutor.agent;

import io.opentelemetry.context.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import sandboxexecutor.config.Config;
import sandboxexecutor.instances.InstanceSettings;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecuteOptions;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolRegistry;

/**
 * Turns a request's options into an {@link AgentLoop.Run}: model, tools, prompt, limits and their defaults, within
 * the caller's instance settings (a request can narrow them, never widen them).
 */
public final class RunSetup {
  /** What differs between the modes: the tools on offer, the turn limit and the default system prompt. */
  public record Mode(ToolRegistry tools, int defaultMaxTurns, String systemPrompt) {}

  /**
   * Who runs: the instance's settings, and the trace the execution's spans go under (its own span once accepted).
   */
  public record Caller(String instanceId, InstanceSettings instance, Context trace) {}

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

  /** The model the caller asked for: the request's, else the instance's default, else DEFAULT_MODEL. */
  public String requestedModel(ExecuteOptions options, InstanceSettings instance) {
    if (options.model() != null) return options.model();
    return instance.defaultModel() != null ? instance.defaultModel() : config.defaultModel();
  }

  /**
   * The instance's rules a request may break: a model outside allowed_models is 403 MODEL_NOT_ALLOWED; a tool
   * outside allowed_tools, max_turns or max_budget_usd above the instance's cap is 400 naming the field.
   */
  public void check(ExecuteOptions options, Caller caller) {
    InstanceSettings instance = caller.instance();
    String model = requestedModel(options, instance);
    if (instance.allowedModels() != null) {
      String modelId = config.models().resolve(model);
      if (instance.allowedModels().stream().noneMatch(m -> config.models().resolve(m).equals(modelId))) {
        throw new ExecutorException(ErrorCode.MODEL_NOT_ALLOWED, "options.model: '" + model + "' is not allowed for instance '"
            + caller.instanceId() + "'; allowed: " + String.join(", ", instance.allowedModels()));
      }
    }
    if (instance.allowedTools() != null && options.allowedTools() != null) {
      for (String tool : options.allowedTools()) {
        if (!instance.allowedTools().contains(tool)) {
          throw ExecutorException.invalid("options.allowed_tools: '" + tool + "' is not allowed for instance '"
              + caller.instanceId() + "'; allowed: " + String.join(", ", instance.allowedTools()));
        }
      }
    }
    if (instance.maxTurns() != null && options.maxTurns() != null && options.maxTurns() > instance.maxTurns()) {
      throw ExecutorException.invalid("options.max_turns must be at most " + instance.maxTurns() + " for instance '"
          + caller.instanceId() + "'");
    }
    if (instance.maxBudgetUsd() != null && options.maxBudgetUsd() != null && options.maxBudgetUsd() > instance.maxBudgetUsd()) {
      throw ExecutorException.invalid("options.max_budget_usd must be at most " + instance.maxBudgetUsd() + " for instance '"
          + caller.instanceId() + "'");
    }
  }

  /** A run without its sandbox: sandbox mode adds it with {@link AgentLoop.Run#withSandbox} once it exists. */
  public AgentLoop.Run plan(String requestId, String prompt, ExecuteOptions options, Mode mode, String permissionMode,
                            String cwd, Caller caller) {
    check(options, caller);
    InstanceSettings instance = caller.instance();
    String modelId = config.models().resolve(requestedModel(options, instance));
    long maxOutput = config.models().price(modelId).maxOutputTokens();
    long maxTokens = options.maxTokens() == null ? Math.min(config.defaultMaxTokens(), maxOutput) : options.maxTokens();
    if (maxTokens > maxOutput) {
      throw ExecutorException.invalid("options.max_tokens must be at most " + maxOutput + " for " + modelId);
    }
    List<Tool> tools = tools(options, mode, instance);
    String system = options.systemPrompt() != null ? options.systemPrompt() : mode.systemPrompt();
    system += "\n\nToday's date is " + LocalDate.now(ZoneOffset.UTC) + ".";
    if (options.appendSystemPrompt() != null) system += "\n\n" + options.appendSystemPrompt();
    if (instance.systemPromptAppend() != null) system += "\n\n" + instance.systemPromptAppend();
    long timeoutMs = timeout(options).toMillis();
    int maxTurns = options.maxTurns() != null ? options.maxTurns()
        : instance.maxTurns() != null ? Math.min(mode.defaultMaxTurns(), instance.maxTurns()) : mode.defaultMaxTurns();
    Double budget = options.maxBudgetUsd() != null ? options.maxBudgetUsd() : instance.maxBudgetUsd();
    boolean readOnly = "plan".equals(permissionMode); // plan mode: only read-only tools run
    return new AgentLoop.Run(requestId, prompt, system, modelId, tools, mode.tools(), readOnly, permissionMode,
        maxTurns, budget, maxTokens, timeoutMs, cwd, Optional.empty(), caller.trace());
  }

  /** The request's tools, else the instance's defaults (those this mode has), else the mode's; never beyond allowed_tools. */
  private static List<Tool> tools(ExecuteOptions options, Mode mode, InstanceSettings instance) {
    List<String> requested = options.allowedTools();
    if (requested == null && instance.defaultTools() != null) {
      requested = instance.defaultTools().stream().filter(mode.tools().names()::contains).toList();
    }
    List<Tool> tools = mode.tools().select(requested, options.disallowedTools());
    if (instance.allowedTools() == null) return tools;
    return tools.stream().filter(t -> instance.allowedTools().contains(t.name())).toList();
  }
}
