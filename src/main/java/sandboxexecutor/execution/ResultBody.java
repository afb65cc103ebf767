package sandboxexecutor.execution;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import sandboxexecutor.agent.AgentLoop;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.protocol.StopReason;

/**
 * The response body of a finished execution, the same for both modes. A run that ended without success is HTTP
 * 200 with the Agent SDK's error subtype; a passed deadline or an upstream failure is an HTTP error whose
 * {@code details} carry the partial transcript (and in sandbox mode the diff so far).
 */
public final class ResultBody {
  private ResultBody() {}

  /**
   * @param failure why the execution failed although the agent succeeded (setup or verification), or null
   */
  public static Map<String, Object> of(String id, AgentLoop.Outcome outcome, String failure, Map<String, Object> extra,
                                       Map<String, Object> metadata) {
    var body = new LinkedHashMap<String, Object>();
    boolean agentOk = outcome != null && outcome.stop() instanceof StopReason.EndTurn;
    body.put("success", agentOk && failure == null);
    body.put("request_id", id);
    body.put("timestamp", Instant.now().toString());
    body.put("result", outcome == null ? null : outcome.result());
    if (!agentOk && outcome != null) {
      body.put("subtype", StopReason.subtype(outcome.stop()));
      body.put("error", StopReason.describe(outcome.stop()));
    } else if (failure != null) {
      body.put("error", failure);
    }
    body.putAll(extra);
    body.put("messages", outcome == null ? java.util.List.of() : outcome.messages());
    body.put("metadata", metadata);
    if (outcome == null) return body;
    switch (outcome.stop()) {
      case StopReason.PastDeadline p -> throw new ExecutorException(ErrorCode.EXECUTION_TIMEOUT,
          StopReason.describe(p) + "; raise options.timeout_ms (at most MAX_EXECUTION_TIME) or simplify the task",
          partial(body), null, null);
      case StopReason.Failed f -> throw new ExecutorException(f.error().code(), f.error().getMessage(),
          partial(body), f.error().retryAfter(), f.error());
      case StopReason.EndTurn e -> { }
      case StopReason.MaxTurns m -> { }
      case StopReason.OverBudget o -> { }
      case StopReason.Cancelled c -> { }
    }
    return body;
  }

  /** What a run reports besides its transcript: timings, cost, model, usage, session and todos. */
  public static Map<String, Object> metadata(long startedNanos, AgentLoop.Outcome outcome, AgentLoop.Run run,
                                             String requestedModel) {
    var m = new LinkedHashMap<String, Object>();
    m.put("execution_time_ms", (System.nanoTime() - startedNanos) / 1_000_000);
    m.put("total_cost_usd", outcome == null ? 0.0 : outcome.costUsd());
    m.put("num_turns", outcome == null ? 0 : outcome.numTurns());
    m.put("model", requestedModel);
    m.put("model_id", run.modelId());
    if (outcome != null) {
      m.put("usage", outcome.usage());
      m.put("duration_api_ms", outcome.apiDurationMs());
      m.put("todos", outcome.todos());
    }
    m.put("session_id", run.sessionId());
    return m;
  }

  /** A body as the {@code details} of an error: what was done so far, without the envelope fields. */
  static Map<String, Object> partial(Map<String, Object> body) {
    var details = new LinkedHashMap<>(body);
    details.remove("success");
    details.remove("request_id");
    details.remove("error");
    return details;
  }
}
