package sandboxexecutor.store;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link RateBuckets} in this process's memory: one node's limits. */
public final class MemoryRateBuckets implements RateBuckets {
  private record Bucket(double tokens, long updatedAtMs, boolean granted) {}

  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  @Override
  public Take take(String name, int capacity, Instant now) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be positive");
    long nowMs = now.toEpochMilli();
    Bucket b = buckets.compute(name, (k, old) -> {
      if (old == null) return new Bucket(capacity - 1, nowMs, true);
      double refilled = Math.min(capacity, old.tokens() + Math.max(0, nowMs - old.updatedAtMs()) * capacity / 60_000.0);
      boolean granted = refilled >= 1;
      return new Bucket(granted ? refilled - 1 : refilled, Math.max(old.updatedAtMs(), nowMs), granted);
    });
    return new Take(b.granted(), b.tokens());
  }
}
