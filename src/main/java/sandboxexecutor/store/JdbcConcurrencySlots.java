package sandboxexecutor.store;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link ConcurrencySlots} as rows of {@code concurrency_leases}, so every node on one database enforces one
 * limit. An acquisition is one transaction that first writes the name's {@code concurrency_slots} row: that row
 * lock makes concurrent acquisitions of one name wait for each other, so counting then inserting cannot overfill
 * (READ COMMITTED: each statement after the lock sees what the previous holder committed). Portable SQL.
 */
final class JdbcConcurrencySlots implements ConcurrencySlots {
  private final Database db;

  JdbcConcurrencySlots(Database db) {
    this.db = db;
  }

  @Override
  public Optional<Lease> acquire(String name, int limit, String holder, Instant now, Instant expiresAt) {
    if (limit < 1) throw new IllegalArgumentException("limit must be positive");
    String id = UUID.randomUUID().toString();
    boolean granted = db.transaction(c -> {
      try (var lock = db.prepare(c, "INSERT INTO concurrency_slots (name) VALUES (?)"
              + " ON CONFLICT (name) DO UPDATE SET name = excluded.name");
           var expired = db.prepare(c, "DELETE FROM concurrency_leases WHERE name = ? AND expires_at_ms <= ?");
           var insert = db.prepare(c, "INSERT INTO concurrency_leases (id, name, holder, expires_at_ms)"
              + " SELECT ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM concurrency_leases WHERE name = ?) < ?")) {
        lock.setString(1, name);
        lock.executeUpdate();
        expired.setString(1, name);
        expired.setLong(2, now.toEpochMilli());
        expired.executeUpdate();
        insert.setString(1, id);
        insert.setString(2, name);
        insert.setString(3, holder);
        insert.setLong(4, expiresAt.toEpochMilli());
        insert.setString(5, name);
        insert.setInt(6, limit);
        return insert.executeUpdate() == 1;
      }
    });
    return granted ? Optional.of(new Lease(name, id)) : Optional.empty();
  }

  @Override
  public void release(Lease lease) {
    db.write(c -> {
      try (var s = db.prepare(c, "DELETE FROM concurrency_leases WHERE id = ?")) {
        s.setString(1, lease.id());
        return s.executeUpdate();
      }
    });
  }

  @Override
  public void renew(String holder, Instant now, Instant expiresAt) {
    db.write(c -> {
      try (var s = db.prepare(c, "UPDATE concurrency_leases SET expires_at_ms = ? WHERE holder = ? AND expires_at_ms > ?")) {
        s.setLong(1, expiresAt.toEpochMilli());
        s.setString(2, holder);
        s.setLong(3, now.toEpochMilli());
        return s.executeUpdate();
      }
    });
  }
}
