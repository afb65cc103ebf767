package sandboxexecutor.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One attempt to POST an execution's result to its callback URL.
 *
 * @param statusCode    HTTP status received, null when no response arrived
 * @param error         why the attempt failed, null on success
 * @param nextAttemptAt when the next retry is due, null when no retry follows
 */
public record CallbackDelivery(String id, String executionId, int attempt, Instant at, Integer statusCode,
                               String error, Instant nextAttemptAt) {
  public CallbackDelivery {
    ExecutionRecord.requireText(id, "id", 64);
    ExecutionRecord.requireText(executionId, "executionId", 64);
    if (attempt < 1) throw new IllegalArgumentException("attempt starts at 1, got " + attempt);
    at = ExecutionRecord.millis(Objects.requireNonNull(at, "at"));
    nextAttemptAt = ExecutionRecord.millis(nextAttemptAt);
  }
}
