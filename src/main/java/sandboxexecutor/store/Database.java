package sandboxexecutor.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A connection pool plus the one thing that differs between the dialects: SQLite allows a single writer at a
 * time, so writes take an in-process {@link ReentrantLock} (not {@code synchronized}, which would pin virtual
 * threads) instead of spinning on SQLITE_BUSY; reads run in parallel thanks to WAL mode. PostgreSQL writes
 * just use the pool.
 */
final class Database implements AutoCloseable {

  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private final DatabaseUrl url;
  private final HikariDataSource pool;
  private final ReentrantLock sqliteWriter; // null for PostgreSQL
  private final int queryTimeoutSeconds;
  private final Duration lockTimeout;

  private Database(DatabaseUrl url, HikariDataSource pool, Duration queryTimeout) {
    this.url = url;
    this.pool = pool;
    this.sqliteWriter = url.dialect() == DatabaseUrl.Dialect.SQLITE ? new ReentrantLock(true) : null;
    this.queryTimeoutSeconds = (int) Math.max(1, queryTimeout.toSeconds());
    this.lockTimeout = queryTimeout;
  }

  static Database open(DatabaseUrl url, StoreOptions options) {
    var config = new HikariConfig();
    config.setPoolName("execution-store");
    config.setJdbcUrl(url.jdbcUrl());
    url.user().ifPresent(config::setUsername);
    url.password().ifPresent(config::setPassword);
    config.setConnectionTimeout(options.queryTimeout().toMillis());
    switch (url.dialect()) {
      case SQLITE -> {
        createParent(url.jdbcUrl().substring("jdbc:sqlite:".length()));
        config.setMaximumPoolSize(options.sqliteReaders());
        config.addDataSourceProperty("journal_mode", "WAL");
        config.addDataSourceProperty("synchronous", "NORMAL"); // durable in WAL mode except on power loss
        config.addDataSourceProperty("busy_timeout", String.valueOf(options.queryTimeout().toMillis()));
        config.addDataSourceProperty("foreign_keys", "true");
      }
      case POSTGRESQL -> config.setMaximumPoolSize(options.postgresPoolSize());
    }
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new StoreException("cannot connect to the execution store at " + url, e);
    }
    try {
      Migrations.apply(pool, url);
      return new Database(url, pool, options.queryTimeout());
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  DatabaseUrl url() {
    return url;
  }

  <T> T read(Work<T> work) {
    return run(work);
  }

  <T> T write(Work<T> work) {
    if (sqliteWriter == null) return run(work);
    return withoutInterrupt(() -> {
      try {
        if (!sqliteWriter.tryLock(lockTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new StoreException("timed out after " + lockTimeout + " waiting for the SQLite writer", null);
        }
      } catch (InterruptedException e) {
        throw new IllegalStateException("unreachable: interrupt status was cleared", e);
      }
      try {
        return run(work);
      } finally {
        sqliteWriter.unlock();
      }
    });
  }

  /** A write of several statements in one transaction: committed when {@code work} returns, else rolled back. */
  <T> T transaction(Work<T> work) {
    return write(c -> {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    });
  }

  PreparedStatement prepare(Connection connection, String sql) throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    statement.setQueryTimeout(queryTimeoutSeconds);
    return statement;
  }

  private <T> T run(Work<T> work) {
    return withoutInterrupt(() -> {
      try (Connection connection = pool.getConnection()) {
        return work.run(connection);
      } catch (SQLException e) {
        throw new StoreException("execution store: " + e.getMessage(), e);
      }
    });
  }

  /**
   * Store calls are short and bounded by the query timeout, and the cancel path calls {@code finish} from the
   * interrupted run thread. An interrupted virtual thread would close the driver's socket mid-query, so the
   * interrupt is held back for the duration of the call and restored afterwards.
   */
  private static <T> T withoutInterrupt(java.util.function.Supplier<T> call) {
    boolean interrupted = Thread.interrupted();
    try {
      return call.get();
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  private static void createParent(String file) {
    try {
      Path parent = Path.of(file).toAbsolutePath().getParent();
      if (parent != null) Files.createDirectories(parent);
    } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
      throw new StoreException("cannot create the directory for " + file, e);
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
