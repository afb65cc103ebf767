package sandboxexecutor.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Behaviour every {@link ExecutionStore} database must show; one subclass per database. */
abstract class ExecutionStoreContract {
  static final Instant T0 = Instant.parse("2026-01-01T10:00:00.123Z");

  DatabaseUrl url;
  ExecutionStore store;

  /** A URL to a new, empty database. */
  abstract DatabaseUrl freshDatabase() throws Exception;

  @BeforeEach
  void open() throws Exception {
    url = freshDatabase();
    store = ExecutionStores.open(url, StoreOptions.defaults());
  }

  @AfterEach
  void close() {
    store.close();
  }

  static ExecutionRecord queued(String instance, String key, Instant createdAt) {
    return ExecutionRecord.queued(UUID.randomUUID().toString(), ExecutionMode.SDK, instance, "proj-1", key,
        "{\"prompt\":\"hi\"}", "sonnet", "claude-sonnet-5-5", "https://example.invalid/cb", null, createdAt);
  }

  static Completion succeeded(Instant at) {
    return new Completion(ExecutionStatus.SUCCEEDED, at, 1500L, 3, "{\"input_tokens\":10}", 0.25, null, null,
        "all done", "success", null, Map.of("messages", "executions/x/messages.json"), "{\"files_changed\":2}");
  }

  @Test
  void a_created_execution_reads_back_equal_and_only_within_its_instance() {
    var record = queued("inst-a", null, T0);
    assertEquals(new Creation.Created(record), store.create(record));
    assertEquals(Optional.of(record), store.find(record.id()));
    assertEquals(Optional.of(record), store.find(record.id(), "inst-a"));
    assertEquals(Optional.empty(), store.find(record.id(), "inst-b"));
    assertEquals(Optional.empty(), store.find("missing"));
  }

  @Test
  void finish_writes_every_terminal_field() {
    var record = queued("inst-a", null, T0);
    store.create(record);
    assertTrue(store.markRunning(record.id(), T0.plusSeconds(1)));
    assertTrue(store.finish(record.id(), succeeded(T0.plusSeconds(3))));
    var expected = new ExecutionRecord(record.id(), ExecutionMode.SDK, ExecutionStatus.SUCCEEDED, "inst-a", "proj-1",
        null, record.request(), "sonnet", "claude-sonnet-5-5", T0, T0.plusSeconds(1), T0.plusSeconds(3), 1500L, 3,
        "{\"input_tokens\":10}", 0.25, null, null, "all done", "success", "https://example.invalid/cb",
        Map.of("messages", "executions/x/messages.json"), "{\"files_changed\":2}");
    assertEquals(Optional.of(expected), store.find(record.id()));
  }

  @Test
  void finish_without_a_duration_measures_from_the_start() {
    var record = queued("inst-a", null, T0);
    store.create(record);
    store.markRunning(record.id(), T0.plusSeconds(2));
    store.finish(record.id(), Completion.failed(ExecutionStatus.CANCELLED, T0.plusSeconds(5), "CANCELLED", "by user"));
    var found = store.find(record.id()).orElseThrow();
    assertEquals(3000L, found.durationMs());
    assertEquals(ExecutionStatus.CANCELLED, found.status());
    assertEquals("by user", found.errorMessage());
  }

  @Test
  void a_reused_idempotency_key_returns_the_existing_execution_within_one_instance_only() {
    var first = queued("inst-a", "key-1", T0);
    var again = queued("inst-a", "key-1", T0.plusSeconds(1));
    var otherInstance = queued("inst-b", "key-1", T0);
    store.create(first);
    assertEquals(new Creation.Existing(first), store.create(again));
    assertEquals(Optional.empty(), store.find(again.id()));
    assertInstanceOf(Creation.Created.class, store.create(otherInstance));
    assertInstanceOf(Creation.Created.class, store.create(queued("inst-a", null, T0)));
    assertInstanceOf(Creation.Created.class, store.create(queued("inst-a", null, T0)));
  }

  @Test
  void concurrent_creates_with_one_idempotency_key_insert_exactly_once() throws Exception {
    int n = 20;
    var start = new CountDownLatch(1);
    var results = new ArrayList<Future<Creation>>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return store.create(queued("inst-a", "same-key", T0));
        }));
      }
      start.countDown();
    }
    var created = new ArrayList<ExecutionRecord>();
    var ids = new java.util.HashSet<String>();
    for (var f : results) {
      Creation c = f.get();
      if (c instanceof Creation.Created) created.add(c.record());
      ids.add(c.record().id());
    }
    assertEquals(1, created.size());
    assertEquals(Set.of(created.getFirst().id()), ids);
  }

  @Test
  void creating_an_id_twice_is_an_error() {
    var record = queued("inst-a", null, T0);
    store.create(record);
    assertThrows(StoreException.class, () -> store.create(record));
  }

  @Test
  void mark_running_only_moves_a_queued_execution() {
    var record = queued("inst-a", null, T0);
    store.create(record);
    assertFalse(store.markRunning("missing", T0));
    assertTrue(store.markRunning(record.id(), T0.plusSeconds(1)));
    assertFalse(store.markRunning(record.id(), T0.plusSeconds(2)));
    assertEquals(T0.plusSeconds(1), store.find(record.id()).orElseThrow().startedAt());
  }

  @Test
  void a_terminal_execution_is_never_finished_again() {
    var record = queued("inst-a", null, T0);
    store.create(record);
    assertTrue(store.finish(record.id(), Completion.failed(ExecutionStatus.CANCELLED, T0.plusSeconds(1), "CANCELLED", "stop")));
    var afterCancel = store.find(record.id()).orElseThrow();
    assertFalse(store.finish(record.id(), succeeded(T0.plusSeconds(2))));
    assertFalse(store.markRunning(record.id(), T0.plusSeconds(3)));
    assertEquals(afterCancel, store.find(record.id()).orElseThrow());
  }

  @Test
  void of_two_racing_finishes_exactly_one_wins() throws Exception {
    for (int round = 0; round < 30; round++) {
      var record = queued("inst-a", null, T0);
      store.create(record);
      store.markRunning(record.id(), T0);
      var start = new CountDownLatch(1);
      Future<Boolean> cancel;
      Future<Boolean> complete;
      try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
        cancel = pool.submit(() -> { start.await(); return store.finish(record.id(),
            Completion.failed(ExecutionStatus.CANCELLED, T0.plusSeconds(1), "CANCELLED", "stop")); });
        complete = pool.submit(() -> { start.await(); return store.finish(record.id(), succeeded(T0.plusSeconds(1))); });
        start.countDown();
      }
      assertTrue(cancel.get() ^ complete.get(), "exactly one finish must win");
      var status = store.find(record.id()).orElseThrow().status();
      assertEquals(cancel.get() ? ExecutionStatus.CANCELLED : ExecutionStatus.SUCCEEDED, status);
    }
  }

  @Test
  void an_interrupted_thread_can_still_finish_and_stays_interrupted() {
    var record = queued("inst-a", null, T0);
    store.create(record);
    Thread.currentThread().interrupt();
    try {
      assertTrue(store.finish(record.id(), Completion.failed(ExecutionStatus.CANCELLED, T0, "CANCELLED", "stop")));
      assertTrue(Thread.currentThread().isInterrupted());
    } finally {
      Thread.interrupted();
    }
    assertEquals(ExecutionStatus.CANCELLED, store.find(record.id()).orElseThrow().status());
  }

  @Test
  void list_filters_by_status_mode_instance_project_and_creation_time() {
    var a = queued("inst-a", null, T0);
    var b = new ExecutionRecord(UUID.randomUUID().toString(), ExecutionMode.SANDBOX, ExecutionStatus.QUEUED, "inst-a",
        "proj-2", null, "{}", null, null, T0.plusSeconds(10), null, null, null, null, null, null, null, null, null,
        null, null, Map.of(), "{\"repo\":\"r\"}");
    var c = queued("inst-b", null, T0.plusSeconds(20));
    for (var r : List.of(a, b, c)) store.create(r);
    store.markRunning(c.id(), T0.plusSeconds(21));
    var running = store.find(c.id()).orElseThrow();
    var all = ExecutionQuery.newest(100);
    assertEquals(List.of(running, b, a), store.list(all).items());
    assertEquals(List.of(running), store.list(all.withStatus(ExecutionStatus.RUNNING)).items());
    assertEquals(List.of(b), store.list(all.withMode(ExecutionMode.SANDBOX)).items());
    assertEquals(List.of(b, a), store.list(all.withInstanceId("inst-a")).items());
    assertEquals(List.of(b), store.list(all.withProjectId("proj-2")).items());
    assertEquals(List.of(running, b), store.list(all.withCreatedFrom(T0.plusSeconds(10))).items());
    assertEquals(List.of(a), store.list(all.withCreatedTo(T0.plusSeconds(10))).items());
    assertEquals(List.of(b), store.list(all.withCreatedFrom(T0.plusSeconds(1)).withCreatedTo(T0.plusSeconds(11))
        .withInstanceId("inst-a").withMode(ExecutionMode.SANDBOX).withStatus(ExecutionStatus.QUEUED)).items());
    assertEquals(List.of(), store.list(all.withInstanceId("nobody")).items());
  }

  @Test
  void pages_walk_every_execution_newest_first_without_repeats_even_with_equal_times() {
    var expected = new ArrayList<ExecutionRecord>();
    for (int i = 0; i < 23; i++) {
      var r = queued("inst-a", null, T0.plusSeconds(i / 3)); // three executions share each timestamp
      store.create(r);
      expected.add(r);
    }
    expected.sort(Comparator.comparing(ExecutionRecord::createdAt).thenComparing(ExecutionRecord::id).reversed());
    var seen = new ArrayList<ExecutionRecord>();
    var query = ExecutionQuery.newest(5).withInstanceId("inst-a");
    int pages = 0;
    while (true) {
      var page = store.list(query);
      pages++;
      seen.addAll(page.items());
      if (page.next().isEmpty()) break;
      assertEquals(5, page.items().size());
      store.create(queued("inst-a", null, T0.plusSeconds(100))); // newer rows must not disturb later pages
      query = query.withCursor(page.next().get());
    }
    assertEquals(expected, seen);
    assertEquals(5, pages);
  }

  @Test
  void a_page_that_ends_exactly_at_the_last_row_has_no_next() {
    for (int i = 0; i < 4; i++) store.create(queued("inst-a", null, T0.plusSeconds(i)));
    assertEquals(Optional.empty(), store.list(ExecutionQuery.newest(4)).next());
  }

  @Test
  void recovery_interrupts_running_executions_and_returns_queued_ones() {
    var running = queued("inst-a", null, T0);
    var queued = queued("inst-a", null, T0.plusSeconds(1));
    var done = queued("inst-a", null, T0.plusSeconds(2));
    for (var r : List.of(running, queued, done)) store.create(r);
    store.markRunning(running.id(), T0.plusSeconds(5));
    store.finish(done.id(), succeeded(T0.plusSeconds(6)));
    var doneBefore = store.find(done.id()).orElseThrow();

    var recovery = store.interruptUnfinished(T0.plusSeconds(65));

    assertEquals(new Recovery(List.of(running.id()), List.of(queued)), recovery);
    var interrupted = store.find(running.id()).orElseThrow();
    assertEquals(ExecutionStatus.INTERRUPTED, interrupted.status());
    assertEquals(T0.plusSeconds(65), interrupted.finishedAt());
    assertEquals(60_000L, interrupted.durationMs());
    assertEquals("INTERRUPTED", interrupted.errorCode());
    assertEquals(doneBefore, store.find(done.id()).orElseThrow());
    assertEquals(new Recovery(List.of(), List.of(queued)), store.interruptUnfinished(T0.plusSeconds(70)));
  }

  @Test
  void deliveries_are_kept_in_attempt_order() {
    var record = queued("inst-a", null, T0);
    store.create(record);
    var second = new CallbackDelivery("d2", record.id(), 2, T0.plusSeconds(30), 200, null, null);
    var first = new CallbackDelivery("d1", record.id(), 1, T0.plusSeconds(10), null, "connection refused", T0.plusSeconds(30));
    store.recordDelivery(second);
    store.recordDelivery(first);
    assertEquals(List.of(first, second), store.deliveries(record.id()));
    assertEquals(List.of(), store.deliveries("other"));
    assertThrows(StoreException.class,
        () -> store.recordDelivery(new CallbackDelivery("d3", "missing", 1, T0, 500, null, null)));
  }

  @Test
  void purge_deletes_old_terminal_executions_with_their_deliveries_oldest_first_and_bounded() {
    var old1 = queued("inst-a", null, T0);
    var old2 = queued("inst-a", null, T0.plusSeconds(1));
    var old3 = queued("inst-a", null, T0.plusSeconds(2));
    var oldRunning = queued("inst-a", null, T0.plusSeconds(3));
    var recent = queued("inst-a", null, T0.plusSeconds(100));
    for (var r : List.of(old1, old2, old3, oldRunning, recent)) store.create(r);
    for (var r : List.of(old1, old2, old3, recent)) store.finish(r.id(), succeeded(T0.plusSeconds(200)));
    store.markRunning(oldRunning.id(), T0.plusSeconds(3));
    store.recordDelivery(new CallbackDelivery("d1", old1.id(), 1, T0, 200, null, null));

    var purged = store.purgeBefore(T0.plusSeconds(50), 2);
    var artifacts = Map.of("messages", "executions/x/messages.json");
    assertEquals(List.of(new PurgedExecution(old1.id(), artifacts), new PurgedExecution(old2.id(), artifacts)), purged);
    assertEquals(List.of(), store.deliveries(old1.id()));
    assertEquals(List.of(new PurgedExecution(old3.id(), artifacts)), store.purgeBefore(T0.plusSeconds(50), 2));
    assertEquals(List.of(), store.purgeBefore(T0.plusSeconds(50), 2));
    assertEquals(Set.of(oldRunning.id(), recent.id()),
        store.list(ExecutionQuery.newest(100)).items().stream().map(ExecutionRecord::id).collect(Collectors.toSet()));
  }

  @Test
  void reopening_applies_no_migration_twice() throws Exception {
    var record = queued("inst-a", null, T0);
    store.create(record);
    store.close();
    store = ExecutionStores.open(url, StoreOptions.defaults());
    assertEquals(Optional.of(record), store.find(record.id()));
    assertEquals(migrations().size(), count("SELECT COUNT(*) FROM schema_version WHERE success = " + sqlTrue()));
  }

  @Test
  void a_schema_newer_than_this_build_refuses_to_open() throws Exception {
    execute("INSERT INTO schema_version (installed_rank, version, description, type, script, checksum,"
        + " installed_by, execution_time, success) VALUES (99, '99', 'future', 'SQL', 'V99__future.sql', 0,"
        + " 'test', 0, " + sqlTrue() + ")");
    var e = assertThrows(StoreException.class, () -> ExecutionStores.open(url, StoreOptions.defaults()).close());
    assertTrue(e.getMessage().contains("schema version 99 but this build only knows up to " + migrations().getLast()), e.getMessage());
  }

  @Test
  void two_hundred_virtual_threads_create_run_and_finish_without_errors() throws Exception {
    int n = 200;
    var failures = new ConcurrentHashMap<String, Throwable>();
    var finished = new AtomicInteger();
    var start = new CountDownLatch(1);
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        pool.submit(() -> {
          var r = queued("inst-load", null, T0);
          try {
            start.await();
            store.create(r);
            store.markRunning(r.id(), T0.plusMillis(1));
            if (store.finish(r.id(), succeeded(T0.plusMillis(2)))) finished.incrementAndGet();
            store.list(ExecutionQuery.newest(10).withInstanceId("inst-load"));
          } catch (Throwable t) {
            failures.put(r.id(), t);
          }
          return null;
        });
      }
      start.countDown();
    }
    assertEquals(Map.of(), failures);
    assertEquals(n, finished.get());
    assertEquals(n, count("SELECT COUNT(*) FROM executions WHERE status = 'succeeded'"));
  }

  @Test
  void cost_since_sums_one_instances_recorded_costs_from_a_point_in_time() {
    assertEquals(0.0, store.costSince("inst-a", T0), 1e-12);
    for (var at : List.of(T0.minusSeconds(60), T0, T0.plusSeconds(60))) {
      var record = queued("inst-a", null, at);
      store.create(record);
      store.finish(record.id(), succeeded(at.plusSeconds(1))); // 0.25 USD each
    }
    var other = queued("inst-b", null, T0);
    store.create(other);
    store.finish(other.id(), succeeded(T0.plusSeconds(1)));
    store.create(queued("inst-a", null, T0.plusSeconds(5))); // still queued: no cost yet
    assertEquals(0.50, store.costSince("inst-a", T0), 1e-12);
    assertEquals(0.75, store.costSince("inst-a", T0.minusSeconds(3600)), 1e-12);
    assertEquals(0.25, store.costSince("inst-b", T0), 1e-12);
  }

  @Test
  void rate_buckets_are_shared_only_by_a_database_several_nodes_use() {
    assertEquals(url.dialect() == DatabaseUrl.Dialect.POSTGRESQL, store.sharedRateBuckets().isPresent());
  }

  @Test
  void a_rate_bucket_in_the_database_grants_its_capacity_then_refills_over_a_minute() {
    RateBucketsBehaviour.grantsCapacityThenRefills(((JdbcExecutionStore) store).rateBuckets());
  }

  @Test
  void concurrent_takes_from_a_rate_bucket_in_the_database_grant_exactly_its_capacity() throws Exception {
    RateBucketsBehaviour.concurrentTakesGrantExactlyCapacity(((JdbcExecutionStore) store).rateBuckets());
  }

  @Test
  void concurrency_slots_are_shared_only_by_a_database_several_nodes_use() {
    assertEquals(url.dialect() == DatabaseUrl.Dialect.POSTGRESQL, store.sharedConcurrencySlots().isPresent());
  }

  @Test
  void concurrency_slots_in_the_database_grant_the_limit_and_a_release_frees_one() {
    ConcurrencySlotsBehaviour.grantsTheLimitAndReleaseFreesASlot(((JdbcExecutionStore) store).concurrencySlots());
  }

  @Test
  void concurrency_leases_in_the_database_expire_unless_their_holder_renews_them() {
    ConcurrencySlotsBehaviour.leasesExpireUnlessTheirHolderRenewsThem(((JdbcExecutionStore) store).concurrencySlots());
  }

  @Test
  void concurrent_acquisitions_of_slots_in_the_database_grant_exactly_the_limit() throws Exception {
    ConcurrencySlotsBehaviour.concurrentAcquisitionsGrantExactlyTheLimit(((JdbcExecutionStore) store).concurrencySlots());
  }

  /** The versions of the migration scripts in db/store, in order. */
  static List<Integer> migrations() throws Exception {
    try (var files = java.nio.file.Files.list(java.nio.file.Path.of(ExecutionStoreContract.class.getResource("/db/store").toURI()))) {
      return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
          .map(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).sorted().toList();
    }
  }

  String sqlTrue() {
    return "true";
  }

  long count(String sql) throws SQLException {
    try (var c = connect(); var s = c.createStatement(); var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  void execute(String sql) throws SQLException {
    try (var c = connect(); var s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private java.sql.Connection connect() throws SQLException {
    return DriverManager.getConnection(url.jdbcUrl(), url.user().orElse(null), url.password().orElse(null));
  }

}
