package sandboxexecutor.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** What every {@link ConcurrencySlots} does, checked on memory, SQLite and PostgreSQL. */
final class ConcurrencySlotsBehaviour {
  static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

  private ConcurrencySlotsBehaviour() {}

  static void grantsTheLimitAndReleaseFreesASlot(ConcurrencySlots slots) {
    var first = slots.acquire("k", 2, "node-a", T0, at(120));
    var second = slots.acquire("k", 2, "node-b", T0, at(120));
    assertTrue(first.isPresent() && second.isPresent());
    assertEquals(Optional.empty(), slots.acquire("k", 2, "node-a", T0, at(120)), "both slots are held");
    assertTrue(slots.acquire("other", 2, "node-a", T0, at(120)).isPresent(), "names are independent");
    slots.release(first.get());
    slots.release(first.get()); // a lease already gone is ignored
    assertTrue(slots.acquire("k", 2, "node-a", T0, at(120)).isPresent(), "the released slot is free again");
    assertEquals(Optional.empty(), slots.acquire("k", 2, "node-a", T0, at(120)));
  }

  static void leasesExpireUnlessTheirHolderRenewsThem(ConcurrencySlots slots) {
    assertTrue(slots.acquire("k", 2, "alive", T0, at(120)).isPresent());
    assertTrue(slots.acquire("k", 2, "dead", T0, at(120)).isPresent());
    slots.renew("alive", at(60), at(180));
    slots.renew("dead", at(130), at(250)); // too late: its lease expired at 120 and stays gone
    assertTrue(slots.acquire("k", 2, "new", at(140), at(260)).isPresent(), "the dead holder's slot came free");
    assertEquals(Optional.empty(), slots.acquire("k", 2, "new", at(140), at(260)), "the renewed lease still holds one");
    assertTrue(slots.acquire("k", 3, "new", at(200), at(320)).isPresent());
    assertTrue(slots.acquire("k", 3, "new", at(200), at(320)).isPresent(), "unrenewed, it expired at 180");
    assertFalse(slots.acquire("k", 3, "new", at(200), at(320)).isPresent());
  }

  static void concurrentAcquisitionsGrantExactlyTheLimit(ConcurrencySlots slots) throws Exception {
    int limit = 10;
    var start = new CountDownLatch(1);
    var results = new ArrayList<Future<Optional<ConcurrencySlots.Lease>>>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 40; i++) {
        String holder = "node-" + i % 2;
        results.add(pool.submit(() -> {
          start.await();
          return slots.acquire("shared", limit, holder, T0, at(120));
        }));
      }
      start.countDown();
    }
    int granted = 0;
    for (var f : results) if (f.get().isPresent()) granted++;
    assertEquals(limit, granted);
  }

  static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }
}
