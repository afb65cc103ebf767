package sandboxexecutor.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;

/**
 * One execution as stored. Nullable fields are marked; JSON-valued fields ({@code request}, {@code usage},
 * {@code details}) are opaque strings the caller has already redacted. Instants are kept to the millisecond,
 * the precision both databases store, so a record reads back equal to what was written.
 *
 * @param artifacts object-store keys by artifact name ({@code messages}, {@code logs}, {@code diff}, {@code result})
 * @param details   sandbox-mode JSON (repo, branch, base_commit, files_changed, sandbox_id, verification), nullable
 */
public record ExecutionRecord(
    String id,
    ExecutionMode mode,
    ExecutionStatus status,
    String instanceId,
    String projectId,          // nullable
    String idempotencyKey,     // nullable
    String request,
    String model,              // nullable: as requested (alias or id)
    String modelId,            // nullable: resolved model id
    Instant createdAt,
    Instant startedAt,         // nullable
    Instant finishedAt,        // nullable
    Long durationMs,           // nullable
    Integer numTurns,          // nullable
    String usage,              // nullable
    Double costUsd,            // nullable
    String errorCode,          // nullable
    String errorMessage,       // nullable
    String resultSummary,      // nullable
    String subtype,            // nullable
    String callbackUrl,        // nullable
    Map<String, String> artifacts,
    String details) {          // nullable

  public ExecutionRecord {
    requireText(id, "id", 64);
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(status, "status");
    requireText(instanceId, "instanceId", 200);
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(createdAt, "createdAt");
    if (idempotencyKey != null) requireText(idempotencyKey, "idempotencyKey", 200);
    createdAt = millis(createdAt);
    startedAt = millis(startedAt);
    finishedAt = millis(finishedAt);
    artifacts = artifacts == null ? Map.of() : Map.copyOf(artifacts);
  }

  /** A new execution as the HTTP layer creates it, before it runs. */
  public static ExecutionRecord queued(String id, ExecutionMode mode, String instanceId, String projectId,
                                       String idempotencyKey, String request, String model, String modelId,
                                       String callbackUrl, String details, Instant createdAt) {
    return new ExecutionRecord(id, mode, ExecutionStatus.QUEUED, instanceId, projectId, idempotencyKey, request,
        model, modelId, createdAt, null, null, null, null, null, null, null, null, null, null, callbackUrl,
        Map.of(), details);
  }

  static Instant millis(Instant at) {
    return at == null ? null : at.truncatedTo(ChronoUnit.MILLIS);
  }

  static void requireText(String value, String name, int maxLength) {
    if (value == null || value.isBlank() || value.length() > maxLength) {
      throw new IllegalArgumentException(name + " must be 1.." + maxLength + " characters");
    }
  }
}
