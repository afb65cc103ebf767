package sandboxexecutor.store;

import static sandboxexecutor.store.ExecutionRows.COLUMNS;
import static sandboxexecutor.store.ExecutionRows.PLACEHOLDERS;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@link ExecutionStore} on JDBC. The SQL is the same for SQLite and PostgreSQL (ON CONFLICT … DO NOTHING and
 * RETURNING exist in both); the only dialect difference, SQLite's single writer, lives in {@link Database}.
 * State changes are conditional single statements, so races are settled by the database, not by locks here.
 */
public final class JdbcExecutionStore implements ExecutionStore {
  private static final String UNFINISHED = "('queued', 'running')";
  private static final String TERMINAL = Arrays.stream(ExecutionStatus.values()).filter(ExecutionStatus::isTerminal)
      .map(s -> "'" + s.wire() + "'").collect(Collectors.joining(", ", "(", ")"));
  static final String INTERRUPTED_MESSAGE = "the service stopped while this execution was running";

  private final Database db;
  private final RateBuckets rateBuckets;
  private final ConcurrencySlots concurrencySlots;

  JdbcExecutionStore(Database db) {
    this.db = db;
    this.rateBuckets = new JdbcRateBuckets(db);
    this.concurrencySlots = new JdbcConcurrencySlots(db);
  }

  /** The buckets in this database whatever its dialect (tests run them on SQLite too). */
  RateBuckets rateBuckets() {
    return rateBuckets;
  }

  /** The slots in this database whatever its dialect (tests run them on SQLite too). */
  ConcurrencySlots concurrencySlots() {
    return concurrencySlots;
  }

  @Override
  public Creation create(ExecutionRecord record) {
    if (record.status() != ExecutionStatus.QUEUED) throw new IllegalArgumentException("new executions start QUEUED");
    // A concurrent purge may delete the winner between our failed insert and the lookup; then inserting wins.
    for (int attempt = 0; attempt < 3; attempt++) {
      int inserted = db.write(c -> {
        try (var s = db.prepare(c, "INSERT INTO executions (" + COLUMNS + ") VALUES (" + PLACEHOLDERS + ")"
            + " ON CONFLICT (instance_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING")) {
          ExecutionRows.bind(s, record);
          return s.executeUpdate();
        }
      });
      if (inserted == 1) return new Creation.Created(record);
      Optional<ExecutionRecord> existing = one("SELECT " + COLUMNS + " FROM executions"
          + " WHERE instance_id = ? AND idempotency_key = ?", record.instanceId(), record.idempotencyKey());
      if (existing.isPresent()) return new Creation.Existing(existing.get());
    }
    throw new StoreException("idempotency key of " + record.id() + " kept conflicting with a vanishing execution", null);
  }

  @Override
  public boolean markRunning(String id, Instant startedAt) {
    return db.write(c -> {
      try (var s = db.prepare(c, "UPDATE executions SET status = 'running', started_at_ms = ?"
          + " WHERE id = ? AND status = 'queued'")) {
        s.setLong(1, startedAt.toEpochMilli());
        s.setString(2, id);
        return s.executeUpdate() == 1;
      }
    });
  }

  @Override
  public boolean finish(String id, Completion done) {
    String sql = "UPDATE executions SET status = ?, finished_at_ms = ?,"
        + " duration_ms = COALESCE(?, ? - COALESCE(started_at_ms, created_at_ms)),"
        + " num_turns = COALESCE(?, num_turns), usage_json = COALESCE(?, usage_json),"
        + " cost_usd = COALESCE(?, cost_usd), error_code = COALESCE(?, error_code),"
        + " error_message = COALESCE(?, error_message), result_summary = COALESCE(?, result_summary),"
        + " subtype = COALESCE(?, subtype), model_id = COALESCE(?, model_id),"
        + " artifacts_json = COALESCE(?, artifacts_json), details_json = COALESCE(?, details_json)"
        + " WHERE id = ? AND status IN " + UNFINISHED;
    return db.write(c -> {
      try (var s = db.prepare(c, sql)) {
        int i = 0;
        s.setString(++i, done.status().wire());
        s.setLong(++i, done.finishedAt().toEpochMilli());
        ExecutionRows.setLong(s, ++i, done.durationMs());
        s.setLong(++i, done.finishedAt().toEpochMilli());
        ExecutionRows.setInt(s, ++i, done.numTurns());
        s.setString(++i, done.usage());
        ExecutionRows.setDouble(s, ++i, done.costUsd());
        s.setString(++i, done.errorCode());
        s.setString(++i, done.errorMessage());
        s.setString(++i, done.resultSummary());
        s.setString(++i, done.subtype());
        s.setString(++i, done.modelId());
        s.setString(++i, done.artifacts().isEmpty() ? null : ExecutionRows.toJson(done.artifacts()));
        s.setString(++i, done.details());
        s.setString(++i, id);
        return s.executeUpdate() == 1;
      }
    });
  }

  @Override
  public Optional<ExecutionRecord> find(String id) {
    return one("SELECT " + COLUMNS + " FROM executions WHERE id = ?", id);
  }

  @Override
  public Optional<ExecutionRecord> find(String id, String instanceId) {
    return one("SELECT " + COLUMNS + " FROM executions WHERE id = ? AND instance_id = ?", id, instanceId);
  }

  @Override
  public Page<ExecutionRecord> list(ExecutionQuery q) {
    var where = new ArrayList<String>();
    var args = new ArrayList<Object>();
    q.status().ifPresent(v -> { where.add("status = ?"); args.add(v.wire()); });
    q.mode().ifPresent(v -> { where.add("mode = ?"); args.add(v.wire()); });
    q.instanceId().ifPresent(v -> { where.add("instance_id = ?"); args.add(v); });
    q.projectId().ifPresent(v -> { where.add("project_id = ?"); args.add(v); });
    q.createdFrom().ifPresent(v -> { where.add("created_at_ms >= ?"); args.add(v.toEpochMilli()); });
    q.createdTo().ifPresent(v -> { where.add("created_at_ms < ?"); args.add(v.toEpochMilli()); });
    q.cursor().map(ExecutionQuery.Cursor::decode).ifPresent(after -> {
      where.add("(created_at_ms < ? OR (created_at_ms = ? AND id < ?))");
      args.addAll(List.of(after.createdAtMs(), after.createdAtMs(), after.id()));
    });
    args.add(q.limit() + 1); // one extra row tells whether another page exists
    String sql = "SELECT " + COLUMNS + " FROM executions"
        + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
        + " ORDER BY created_at_ms DESC, id DESC LIMIT ?";
    List<ExecutionRecord> rows = many(sql, args.toArray());
    if (rows.size() <= q.limit()) return new Page<>(rows, Optional.empty());
    ExecutionRecord last = rows.get(q.limit() - 1);
    var next = new ExecutionQuery.Cursor(last.createdAt().toEpochMilli(), last.id()).encode();
    return new Page<>(rows.subList(0, q.limit()), Optional.of(next));
  }

  @Override
  public Recovery interruptUnfinished(Instant now) {
    List<String> interrupted = db.write(c -> {
      try (var s = db.prepare(c, "UPDATE executions SET status = 'interrupted', finished_at_ms = ?,"
          + " duration_ms = ? - COALESCE(started_at_ms, created_at_ms), error_code = 'INTERRUPTED',"
          + " error_message = ? WHERE status = 'running' RETURNING id")) {
        s.setLong(1, now.toEpochMilli());
        s.setLong(2, now.toEpochMilli());
        s.setString(3, INTERRUPTED_MESSAGE);
        var ids = new ArrayList<String>();
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) ids.add(rs.getString(1));
        }
        return ids;
      }
    });
    var queued = many("SELECT " + COLUMNS + " FROM executions WHERE status = 'queued'"
        + " ORDER BY created_at_ms, id");
    return new Recovery(interrupted, queued);
  }

  @Override
  public void recordDelivery(CallbackDelivery d) {
    db.write(c -> {
      try (var s = db.prepare(c, "INSERT INTO callback_deliveries (id, execution_id, attempt, at_ms, status_code,"
          + " error, next_attempt_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        s.setString(1, d.id());
        s.setString(2, d.executionId());
        s.setInt(3, d.attempt());
        s.setLong(4, d.at().toEpochMilli());
        ExecutionRows.setInt(s, 5, d.statusCode());
        s.setString(6, d.error());
        ExecutionRows.setMillis(s, 7, d.nextAttemptAt());
        return s.executeUpdate();
      }
    });
  }

  @Override
  public List<CallbackDelivery> deliveries(String executionId) {
    return db.read(c -> {
      try (var s = db.prepare(c, "SELECT id, execution_id, attempt, at_ms, status_code, error, next_attempt_at_ms"
          + " FROM callback_deliveries WHERE execution_id = ? ORDER BY attempt, at_ms")) {
        s.setString(1, executionId);
        var out = new ArrayList<CallbackDelivery>();
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            out.add(new CallbackDelivery(rs.getString(1), rs.getString(2), rs.getInt(3),
                Instant.ofEpochMilli(rs.getLong(4)), ExecutionRows.nullableInt(rs, "status_code"), rs.getString(6),
                ExecutionRows.instant(rs, "next_attempt_at_ms")));
          }
        }
        return out;
      }
    });
  }

  @Override
  public List<PurgedExecution> purgeBefore(Instant cutoff, int max) {
    if (max < 1) throw new IllegalArgumentException("max must be positive");
    return db.write(c -> {
      // deliveries go with their execution through ON DELETE CASCADE
      try (var s = db.prepare(c, "DELETE FROM executions WHERE id IN (SELECT id FROM executions"
          + " WHERE created_at_ms < ? AND status IN " + TERMINAL + " ORDER BY created_at_ms, id LIMIT ?)"
          + " RETURNING id, artifacts_json")) {
        s.setLong(1, cutoff.toEpochMilli());
        s.setInt(2, max);
        var out = new ArrayList<PurgedExecution>();
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) out.add(new PurgedExecution(rs.getString(1), ExecutionRows.fromJson(rs.getString(2))));
        }
        return out;
      }
    });
  }

  @Override
  public double costSince(String instanceId, Instant since) {
    return db.read(c -> {
      try (var s = db.prepare(c, "SELECT COALESCE(SUM(cost_usd), 0) FROM executions"
          + " WHERE instance_id = ? AND created_at_ms >= ?")) {
        s.setString(1, instanceId);
        s.setLong(2, since.toEpochMilli());
        try (ResultSet rs = s.executeQuery()) {
          return rs.next() ? rs.getDouble(1) : 0.0;
        }
      }
    });
  }

  @Override
  public Optional<RateBuckets> sharedRateBuckets() {
    return shared() ? Optional.of(rateBuckets) : Optional.empty();
  }

  @Override
  public Optional<ConcurrencySlots> sharedConcurrencySlots() {
    return shared() ? Optional.of(concurrencySlots) : Optional.empty();
  }

  private boolean shared() {
    return db.url().dialect() == DatabaseUrl.Dialect.POSTGRESQL;
  }

  @Override
  public void close() {
    db.close();
  }

  private Optional<ExecutionRecord> one(String sql, Object... args) {
    return many(sql, args).stream().findFirst();
  }

  private List<ExecutionRecord> many(String sql, Object... args) {
    return db.read(c -> {
      try (PreparedStatement s = db.prepare(c, sql)) {
        for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
        var out = new ArrayList<ExecutionRecord>();
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) out.add(ExecutionRows.read(rs));
        }
        return out;
      }
    });
  }
}
