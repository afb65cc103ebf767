package sandboxexecutor.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionSweeperTest {
  static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");
  @TempDir Path dir;
  ExecutionStore executions;
  LocalObjectStore objects;

  @BeforeEach
  void open() {
    executions = ExecutionStores.open(Optional.empty(), dir);
    objects = new LocalObjectStore(dir.resolve("results"));
  }

  @AfterEach
  void close() {
    executions.close();
  }

  /** A finished execution created {@code ageDays} ago with one artifact written then. */
  ExecutionRecord finished(int ageDays) throws Exception {
    Instant at = NOW.minus(Duration.ofDays(ageDays));
    var record = ExecutionStoreContract.queued("inst-a", null, at);
    String key = ObjectStore.artifactKey(record.id(), "result.json");
    objects.put(key, new byte[] {1}, "application/json");
    Files.setLastModifiedTime(dir.resolve("results").resolve(key), FileTime.from(at));
    executions.create(record);
    executions.finish(record.id(), new Completion(ExecutionStatus.SUCCEEDED, at, null, null, null, null, null, null,
        null, null, null, Map.of("result", key), null));
    return record;
  }

  @Test
  void a_sweep_deletes_expired_executions_their_artifacts_and_orphans() throws Exception {
    var old = finished(31);
    var recent = finished(29);
    objects.put("orphans/x.json", new byte[] {1}, "application/json");
    Files.setLastModifiedTime(dir.resolve("results/orphans/x.json"), FileTime.from(NOW.minus(Duration.ofDays(45))));
    var sweeper = new RetentionSweeper(executions, objects, Duration.ofDays(30), Duration.ofHours(1), 100,
        Clock.fixed(NOW, ZoneOffset.UTC));

    assertEquals(new RetentionSweeper.Sweep(1, 1, 1), sweeper.sweepOnce(NOW));

    assertEquals(Optional.empty(), executions.find(old.id()));
    assertEquals(Optional.empty(), objects.get(ObjectStore.artifactKey(old.id(), "result.json")));
    assertTrue(executions.find(recent.id()).isPresent());
    assertTrue(objects.get(ObjectStore.artifactKey(recent.id(), "result.json")).isPresent());
    assertEquals(new RetentionSweeper.Sweep(0, 0, 0), sweeper.sweepOnce(NOW));
  }

  @Test
  void each_sweep_does_bounded_work() throws Exception {
    for (int i = 0; i < 5; i++) finished(40 + i);
    var sweeper = new RetentionSweeper(executions, objects, Duration.ofDays(30), Duration.ofHours(1), 2,
        Clock.fixed(NOW, ZoneOffset.UTC));
    assertEquals(new RetentionSweeper.Sweep(2, 2, 0), sweeper.sweepOnce(NOW));
    assertEquals(new RetentionSweeper.Sweep(2, 2, 0), sweeper.sweepOnce(NOW));
    assertEquals(new RetentionSweeper.Sweep(1, 1, 0), sweeper.sweepOnce(NOW));
  }

  @Test
  void a_zero_ttl_keeps_everything() throws Exception {
    var old = finished(3650);
    var sweeper = new RetentionSweeper(executions, objects, Duration.ZERO, Duration.ofHours(1), 100,
        Clock.fixed(NOW, ZoneOffset.UTC));
    sweeper.start();
    sweeper.close();
    assertEquals(new RetentionSweeper.Sweep(0, 0, 0), sweeper.sweepOnce(NOW));
    assertTrue(executions.find(old.id()).isPresent());
  }

  @Test
  void a_started_sweeper_runs_right_away() throws Exception {
    var old = finished(31);
    try (var sweeper = new RetentionSweeper(executions, objects, Duration.ofDays(30), Duration.ofHours(1), 100,
        Clock.fixed(NOW, ZoneOffset.UTC))) {
      sweeper.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (executions.find(old.id()).isPresent() && System.nanoTime() < deadline) Thread.sleep(20);
    }
    assertEquals(Optional.empty(), executions.find(old.id()));
  }
}
