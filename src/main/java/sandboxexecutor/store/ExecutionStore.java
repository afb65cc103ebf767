package sandboxexecutor.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Durable execution records (SQLite or PostgreSQL, see {@link ExecutionStores#open}). Every method is safe to
 * call from many virtual threads at once; every call is bounded by a query timeout and throws
 * {@link StoreException} when the database fails.
 */
public interface ExecutionStore extends AutoCloseable {

  /**
   * Inserts a QUEUED record, or returns the execution that already holds the record's (instance id,
   * idempotency key) without inserting anything. Inserting an id that already exists is an error.
   */
  Creation create(ExecutionRecord record);

  /** QUEUED → RUNNING. False when the execution is not QUEUED (e.g. it was cancelled first) or unknown. */
  boolean markRunning(String id, Instant startedAt);

  /**
   * Writes the terminal fields, only if the execution is not terminal yet. Of two racing finishes (e.g. cancel
   * and normal completion) exactly one returns true; the other must treat the execution as already done.
   */
  boolean finish(String id, Completion completion);

  Optional<ExecutionRecord> find(String id);

  /** Like {@link #find(String)} but only within one tenant: another instance's execution reads as absent. */
  Optional<ExecutionRecord> find(String id, String instanceId);

  Page<ExecutionRecord> list(ExecutionQuery query);

  /**
   * Start-up recovery, to call before accepting requests: every RUNNING execution becomes INTERRUPTED
   * (error code {@code INTERRUPTED}, finished at {@code now}). QUEUED ones are returned untouched, oldest first.
   */
  Recovery interruptUnfinished(Instant now);

  /** Appends one callback attempt; the execution must exist. */
  void recordDelivery(CallbackDelivery delivery);

  /** Callback attempts of one execution, in attempt order. */
  List<CallbackDelivery> deliveries(String executionId);

  /**
   * Deletes up to {@code max} terminal executions created before {@code cutoff} (oldest first) with their
   * deliveries, and returns them so their artifacts can be deleted. Unfinished executions are never purged.
   */
  List<PurgedExecution> purgeBefore(Instant cutoff, int max);

  /**
   * The recorded cost in USD of one instance's executions created at or after {@code since}; executions without
   * a recorded cost (still running, or failed before a model call) count as 0.
   */
  double costSince(String instanceId, Instant since);

  /** Token buckets shared by every node on this database, or empty when the database is local to one node (SQLite). */
  Optional<RateBuckets> sharedRateBuckets();

  /** Concurrency slots shared by every node on this database, or empty when the database is local to one node (SQLite). */
  Optional<ConcurrencySlots> sharedConcurrencySlots();

  /** Closes the connection pool. */
  @Override
  void close();
}
