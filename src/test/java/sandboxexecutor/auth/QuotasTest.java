package sandboxexecutor.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.store.ExecutionStores;
import sandboxexecutor.store.TestPostgres;

/** Concurrency slots as leases two nodes share on one PostgreSQL, with leases short enough to watch expire. */
class QuotasTest {
  static final Duration TTL = Duration.ofSeconds(1);
  static final Caller KEY = new Caller.Key(new ApiKey("ci", "0".repeat(64), "team-a", 0, 1, Optional.empty()));

  @TempDir Path dir;

  @Test
  void a_node_keeps_its_slot_by_renewing_it_and_a_dead_nodes_slot_frees_itself_within_the_lease() throws Exception {
    try (var store = ExecutionStores.open(Optional.of(TestPostgres.freshDatabaseUrl()), dir)) {
      var slots = store.sharedConcurrencySlots().orElseThrow();
      try (var a = new Quotas(store, slots, Clock.systemUTC(), TTL, Duration.ofMillis(200));
           var b = new Quotas(store, slots, Clock.systemUTC(), TTL, Duration.ofMillis(200))) {
        a.admit(KEY);
        Thread.sleep(TTL.multipliedBy(2).toMillis()); // only renewal keeps the lease past its first second
        var refused = assertThrows(ExecutorException.class, () -> b.admit(KEY));
        assertEquals(ErrorCode.RATE_LIMITED, refused.code());
        assertEquals(1, refused.details().get("concurrent_limit"));

        a.close(); // node a dies: it neither releases nor renews any more
        Thread.sleep(TTL.plusMillis(300).toMillis());
        b.admit(KEY).release();
      }
    }
  }
}
