package sandboxexecutor.protocol;

import java.util.List;

/**
 * The agent options both modes accept, as the caller sent them (null: not given). Validation of ranges and
 * names happens while decoding, so every instance here is well formed.
 */
public record ExecuteOptions(
    String model,
    Integer maxTurns,
    String systemPrompt,
    String appendSystemPrompt,
    List<String> allowedTools,
    List<String> disallowedTools,
    Double maxBudgetUsd,
    Long maxTokens,
    Long timeoutMs) {

  public ExecuteOptions {
    allowedTools = allowedTools == null ? null : List.copyOf(allowedTools);
    disallowedTools = disallowedTools == null ? List.of() : List.copyOf(disallowedTools);
  }
}
