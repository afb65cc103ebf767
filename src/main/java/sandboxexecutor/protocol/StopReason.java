package sandboxexecutor.protocol;

/** Why an agent run ended. A switch over it has no default, so a new reason is handled everywhere. */
public sealed interface StopReason {
  /** The model ended its turn; {@code apiStopReason} is what the API said (end_turn, max_tokens, ...). */
  record EndTurn(String text, String apiStopReason) implements StopReason {}

  record MaxTurns(int limit) implements StopReason {}

  record OverBudget(double costUsd, double limitUsd) implements StopReason {}

  record PastDeadline(long timeoutMs) implements StopReason {}

  record Cancelled(String reason) implements StopReason {}

  /** The upstream API failed after retries, or the model refused. */
  record Failed(ExecutorException error) implements StopReason {}

  /** The result message's subtype, exactly as the Claude Agent SDK names it. */
  static String subtype(StopReason reason) {
    return switch (reason) {
      case EndTurn e -> "success";
      case MaxTurns m -> "error_max_turns";
      case OverBudget o -> "error_max_budget_usd";
      case PastDeadline p -> "error_during_execution";
      case Cancelled c -> "error_during_execution";
      case Failed f -> "error_during_execution";
    };
  }

  /** A message a person can act on, for the result's {@code errors} list; null on success. */
  static String describe(StopReason reason) {
    return switch (reason) {
      case EndTurn e -> null;
      case MaxTurns m -> "Reached the maximum number of turns (" + m.limit() + "); raise options.max_turns to let the agent go on";
      case OverBudget o -> String.format(java.util.Locale.ROOT,
          "Cost %.4f USD passed the budget of %.4f USD (options.max_budget_usd)", o.costUsd(), o.limitUsd());
      case PastDeadline p -> "The execution did not finish within " + p.timeoutMs() + " ms";
      case Cancelled c -> "Cancelled: " + c.reason();
      case Failed f -> f.error().getMessage();
    };
  }
}
