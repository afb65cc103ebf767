package sandboxexecutor.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes executions and their artifacts once they are older than the retention period
 * ({@code RESULTS_TTL_DAYS}; zero keeps everything). Each run does bounded work ({@code maxPerRun} records and
 * as many orphaned objects) so a large backlog drains over several runs instead of one long one.
 */
public final class RetentionSweeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionSweeper.class);

  /** What one run removed. */
  public record Sweep(int executions, int artifacts, int orphans) {}

  private final ExecutionStore executions;
  private final ObjectStore objects;
  private final Duration ttl;
  private final Duration every;
  private final int maxPerRun;
  private final Clock clock;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("retention-sweeper").factory());

  public RetentionSweeper(ExecutionStore executions, ObjectStore objects, Duration ttl, Duration every, int maxPerRun,
                          Clock clock) {
    if (ttl.isNegative() || every.isZero() || every.isNegative() || maxPerRun < 1) {
      throw new IllegalArgumentException("ttl >= 0, every > 0 and maxPerRun > 0 required");
    }
    this.executions = executions;
    this.objects = objects;
    this.ttl = ttl;
    this.every = every;
    this.maxPerRun = maxPerRun;
    this.clock = clock;
  }

  /** Runs now and then every {@code every}; does nothing when retention is unlimited. */
  public void start() {
    if (ttl.isZero()) return;
    timer.scheduleWithFixedDelay(this::sweepLogged, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  public Sweep sweepOnce(Instant now) {
    if (ttl.isZero()) return new Sweep(0, 0, 0);
    Instant cutoff = now.minus(ttl);
    var purged = executions.purgeBefore(cutoff, maxPerRun);
    int artifacts = 0;
    for (var execution : purged) {
      for (String key : execution.artifacts().values()) {
        try {
          objects.delete(key);
          artifacts++;
        } catch (RuntimeException e) {
          // the record is gone already; the orphan pass below retries this object on a later run
          LOG.warn("retention: cannot delete artifact {} of {}: {}", key, execution.id(), e.getMessage());
        }
      }
    }
    // Orphans only once expired records are drained: else this pass would take the artifacts of expired records
    // still waiting for a later run, leaving them briefly pointing at nothing.
    int orphans = purged.size() < maxPerRun ? objects.deleteOlderThan(cutoff, maxPerRun) : 0;
    return new Sweep(purged.size(), artifacts, orphans);
  }

  private void sweepLogged() {
    try {
      Sweep sweep = sweepOnce(clock.instant());
      if (sweep.executions() + sweep.orphans() > 0) LOG.info("retention: {}", sweep);
    } catch (RuntimeException e) {
      LOG.warn("retention sweep failed; retrying in {}", every, e); // a thrown exception would cancel the schedule
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      if (!timer.awaitTermination(10, TimeUnit.SECONDS)) LOG.warn("retention sweeper did not stop within 10 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
