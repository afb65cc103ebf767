package sandboxexecutor.store;

import java.sql.ResultSet;
import java.time.Instant;

/**
 * {@link RateBuckets} as rows of {@code rate_limits}, so every node on one database enforces one limit. A take is
 * a single {@code INSERT ... ON CONFLICT DO UPDATE ... RETURNING}: the database serialises concurrent takes on
 * the row. Portable SQL (CASE instead of LEAST/GREATEST), so it also runs on SQLite.
 */
final class JdbcRateBuckets implements RateBuckets {
  // the bucket's tokens after refilling for the time since its last update, capped at the capacity (?1 = rate per ms, ?2 = capacity)
  private static final String ELAPSED = "(CASE WHEN excluded.updated_at_ms > rate_limits.updated_at_ms"
      + " THEN excluded.updated_at_ms - rate_limits.updated_at_ms ELSE 0 END)";
  private static final String REFILLED = "(CASE WHEN rate_limits.tokens + " + ELAPSED + " * ? > ? THEN ?"
      + " ELSE rate_limits.tokens + " + ELAPSED + " * ? END)";
  private static final String SQL = "INSERT INTO rate_limits (bucket, tokens, granted, updated_at_ms) VALUES (?, ?, 1, ?)"
      + " ON CONFLICT (bucket) DO UPDATE SET"
      + " tokens = CASE WHEN " + REFILLED + " >= 1 THEN " + REFILLED + " - 1 ELSE " + REFILLED + " END,"
      + " granted = CASE WHEN " + REFILLED + " >= 1 THEN 1 ELSE 0 END,"
      + " updated_at_ms = CASE WHEN excluded.updated_at_ms > rate_limits.updated_at_ms"
      + " THEN excluded.updated_at_ms ELSE rate_limits.updated_at_ms END"
      + " RETURNING granted, tokens";
  private static final int REFILLS = 4; // occurrences of REFILLED in SQL

  private final Database db;

  JdbcRateBuckets(Database db) {
    this.db = db;
  }

  @Override
  public Take take(String name, int capacity, Instant now) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be positive");
    double perMs = capacity / 60_000.0;
    return db.write(c -> {
      try (var s = db.prepare(c, SQL)) {
        int i = 0;
        s.setString(++i, name);
        s.setDouble(++i, capacity - 1);
        s.setLong(++i, now.toEpochMilli());
        for (int r = 0; r < REFILLS; r++) {
          s.setDouble(++i, perMs);
          s.setDouble(++i, capacity);
          s.setDouble(++i, capacity);
          s.setDouble(++i, perMs);
        }
        try (ResultSet rs = s.executeQuery()) {
          if (!rs.next()) throw new java.sql.SQLException("rate_limits upsert returned no row");
          return new Take(rs.getInt(1) == 1, rs.getDouble(2));
        }
      }
    });
  }
}
