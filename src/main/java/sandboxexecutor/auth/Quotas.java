package sandboxexecutor.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.store.ConcurrencySlots;
import sandboxexecutor.store.ExecutionStore;

/**
 * What an API key may start: no new execution once its instance has spent the key's daily budget (UTC day, from
 * the recorded costs), and at most the key's number of executions queued or running at once, counted in
 * {@link ConcurrencySlots} (this node's memory, or the database every node shares). Each slot is a lease this
 * node renews while it lives; the slots of a node that died without releasing them come free as they expire.
 */
public final class Quotas implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Quotas.class);

  /** Held while an execution is queued or running; release exactly once when it ends. */
  public interface Permit {
    void release();
  }

  private static final Permit NONE = () -> {};

  private final ExecutionStore store;
  private final ConcurrencySlots slots;
  private final Clock clock;
  private final Duration leaseTtl;
  private final String holder = UUID.randomUUID().toString(); // this node
  private final ScheduledExecutorService renewal =
      Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("lease-renewal").factory());

  /** Leases last {@code leaseTtl} and are renewed every {@code renewEvery}, which must be well below it. */
  public Quotas(ExecutionStore store, ConcurrencySlots slots, Clock clock, Duration leaseTtl, Duration renewEvery) {
    if (renewEvery.isNegative() || renewEvery.isZero() || renewEvery.compareTo(leaseTtl) >= 0) {
      throw new IllegalArgumentException("0 < renewEvery < leaseTtl required");
    }
    this.store = store;
    this.slots = slots;
    this.clock = clock;
    this.leaseTtl = leaseTtl;
    renewal.scheduleWithFixedDelay(this::renew, renewEvery.toMillis(), renewEvery.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Admits one more execution for {@code caller} or throws BUDGET_EXCEEDED / RATE_LIMITED. */
  public Permit admit(Caller caller) {
    return switch (caller) {
      case Caller.Anonymous a -> NONE;
      case Caller.Key k -> admit(k.key());
    };
  }

  private Permit admit(ApiKey key) {
    if (key.dailyBudgetUsd().isPresent()) checkBudget(key, key.dailyBudgetUsd().get());
    if (key.maxConcurrent() <= 0) return NONE;
    Instant now = clock.instant();
    var lease = slots.acquire("key:" + key.name(), key.maxConcurrent(), holder, now, now.plus(leaseTtl));
    if (lease.isEmpty()) {
      throw new ExecutorException(ErrorCode.RATE_LIMITED, "API key '" + key.name() + "' already has "
          + key.maxConcurrent() + " executions queued or running (its concurrency limit); retry when one ends",
          Map.of("limit", "concurrent", "concurrent_limit", key.maxConcurrent()), Duration.ofSeconds(1), null);
    }
    var released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) release(lease.get());
    };
  }

  /** Never throws: it runs as an execution ends, and a lease left behind expires anyway. */
  private void release(ConcurrencySlots.Lease lease) {
    try {
      slots.release(lease);
    } catch (RuntimeException e) {
      LOG.warn("releasing a concurrency slot of {} failed; it frees itself within {}: {}", lease.name(), leaseTtl,
          e.getMessage());
    }
  }

  private void renew() {
    Instant now = clock.instant();
    try {
      slots.renew(holder, now, now.plus(leaseTtl));
    } catch (RuntimeException e) { // a thrown exception would cancel the schedule
      LOG.warn("renewing this node's concurrency slots failed; retrying at the next renewal: {}", e.getMessage());
    }
  }

  private void checkBudget(ApiKey key, double budget) {
    Instant now = clock.instant();
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    double spent = store.costSince(key.instanceId(), today.atStartOfDay(ZoneOffset.UTC).toInstant());
    if (spent < budget) return;
    Instant midnight = today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    throw new ExecutorException(ErrorCode.BUDGET_EXCEEDED, String.format(java.util.Locale.ROOT,
        "Instance '%s' has spent %.4f USD today (UTC), its daily budget is %.4f USD; it resets at %s",
        key.instanceId(), spent, budget, midnight),
        Map.of("daily_budget_usd", budget, "spent_usd", spent, "resets_at", midnight.toString()),
        Duration.between(now, midnight), null);
  }

  @Override
  public void close() {
    renewal.shutdownNow();
    try {
      if (!renewal.awaitTermination(10, TimeUnit.SECONDS)) LOG.warn("lease renewal did not stop within 10 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
