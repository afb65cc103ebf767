package sandboxexecutor.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.store.ExecutionStore;

/**
 * What an API key may start: no new execution once its instance has spent the key's daily budget (UTC day, from
 * the recorded costs), and at most the key's number of executions queued or running at once on this node.
 */
public final class Quotas {
  /** Held while an execution is queued or running; release exactly once when it ends. */
  public interface Permit {
    void release();
  }

  private static final Permit NONE = () -> {};

  private final ExecutionStore store;
  private final Clock clock;
  private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();

  public Quotas(ExecutionStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
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
    AtomicInteger count = running.computeIfAbsent(key.name(), n -> new AtomicInteger());
    if (count.incrementAndGet() > key.maxConcurrent()) {
      count.decrementAndGet();
      throw new ExecutorException(ErrorCode.RATE_LIMITED, "API key '" + key.name() + "' already has "
          + key.maxConcurrent() + " executions queued or running (its concurrency limit); retry when one ends",
          Map.of("limit", "concurrent", "concurrent_limit", key.maxConcurrent()), Duration.ofSeconds(1), null);
    }
    var released = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) count.decrementAndGet();
    };
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
}
