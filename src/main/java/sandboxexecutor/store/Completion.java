package sandboxexecutor.store;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The terminal fields written by {@link ExecutionStore#finish}. Null fields (and empty {@code artifacts}) keep
 * what is stored; a null {@code durationMs} is computed from the start (or creation) time. {@code resultSummary}
 * is cut to {@link #SUMMARY_CHARS}.
 */
public record Completion(
    ExecutionStatus status,
    Instant finishedAt,
    Long durationMs,
    Integer numTurns,
    String usage,
    Double costUsd,
    String errorCode,
    String errorMessage,
    String resultSummary,
    String subtype,
    String modelId,
    Map<String, String> artifacts,
    String details) {

  public static final int SUMMARY_CHARS = 2000;

  public Completion {
    Objects.requireNonNull(status, "status");
    if (!status.isTerminal()) throw new IllegalArgumentException("a completion needs a terminal status, got " + status);
    finishedAt = ExecutionRecord.millis(Objects.requireNonNull(finishedAt, "finishedAt"));
    if (resultSummary != null && resultSummary.length() > SUMMARY_CHARS) {
      // don't split a surrogate pair at the cut
      int end = Character.isHighSurrogate(resultSummary.charAt(SUMMARY_CHARS - 1)) ? SUMMARY_CHARS - 1 : SUMMARY_CHARS;
      resultSummary = resultSummary.substring(0, end);
    }
    artifacts = artifacts == null ? Map.of() : Map.copyOf(artifacts);
  }

  /** A failure with only an error code and message, e.g. for cancellation or a crash. */
  public static Completion failed(ExecutionStatus status, Instant finishedAt, String errorCode, String errorMessage) {
    return new Completion(status, finishedAt, null, null, null, null, errorCode, errorMessage, null, null, null,
        Map.of(), null);
  }
}
