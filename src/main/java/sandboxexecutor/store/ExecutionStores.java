package sandboxexecutor.store;

import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the execution store: connects, migrates the schema, and fails start-up with a clear message. */
public final class ExecutionStores {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutionStores.class);

  private ExecutionStores() {}

  /** {@code DATABASE_URL} when set (see {@link DatabaseUrl#parse}), else SQLite at {@code <dataDir>/executions.db}. */
  public static ExecutionStore open(Optional<String> databaseUrl, Path dataDir) {
    return open(databaseUrl.map(DatabaseUrl::parse).orElseGet(() -> DatabaseUrl.sqlite(dataDir.resolve("executions.db"))),
        StoreOptions.defaults());
  }

  public static ExecutionStore open(DatabaseUrl url, StoreOptions options) {
    var store = new JdbcExecutionStore(Database.open(url, options));
    LOG.info("execution store: {}", url); // DatabaseUrl.toString leaves the password out
    return store;
  }
}
