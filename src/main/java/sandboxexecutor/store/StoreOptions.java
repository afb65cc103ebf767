package sandboxexecutor.store;

import java.time.Duration;

/**
 * Tuning of the execution store. {@code queryTimeout} bounds every statement, every wait for a pooled
 * connection and every wait for the SQLite writer.
 */
public record StoreOptions(Duration queryTimeout, int postgresPoolSize, int sqliteReaders) {
  public StoreOptions {
    if (queryTimeout.isNegative() || queryTimeout.toMillis() < 1000) throw new IllegalArgumentException("queryTimeout must be at least 1s");
    if (postgresPoolSize < 1 || sqliteReaders < 1) throw new IllegalArgumentException("pool sizes must be at least 1");
  }

  public static StoreOptions defaults() {
    return new StoreOptions(Duration.ofSeconds(10), 10, 4);
  }
}
