package sandboxexecutor.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** What every {@link RateBuckets} does, checked on memory, SQLite and PostgreSQL. */
final class RateBucketsBehaviour {
  static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

  private RateBucketsBehaviour() {}

  static void grantsCapacityThenRefills(RateBuckets buckets) {
    assertEquals(new RateBuckets.Take(true, 2), buckets.take("a", 3, T0));
    assertEquals(new RateBuckets.Take(true, 1), buckets.take("a", 3, T0));
    assertEquals(new RateBuckets.Take(true, 0), buckets.take("a", 3, T0));
    assertEquals(new RateBuckets.Take(false, 0), buckets.take("a", 3, T0));
    assertTrue(buckets.take("b", 3, T0).granted(), "buckets are independent");
    var partial = buckets.take("a", 3, T0.plusSeconds(10)); // 3 per minute: half a token after 10 s
    assertFalse(partial.granted());
    assertEquals(0.5, partial.tokens(), 1e-9);
    var refilled = buckets.take("a", 3, T0.plusSeconds(20));
    assertTrue(refilled.granted());
    assertEquals(0.0, refilled.tokens(), 1e-9);
    assertEquals(new RateBuckets.Take(true, 2), buckets.take("a", 3, T0.plusSeconds(3600)), "full again, never above capacity");
  }

  static void concurrentTakesGrantExactlyCapacity(RateBuckets buckets) throws Exception {
    int capacity = 10;
    var start = new CountDownLatch(1);
    var results = new ArrayList<Future<RateBuckets.Take>>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 40; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return buckets.take("shared", capacity, T0);
        }));
      }
      start.countDown();
    }
    int granted = 0;
    for (var f : results) if (f.get().granted()) granted++;
    assertEquals(capacity, granted);
  }
}
