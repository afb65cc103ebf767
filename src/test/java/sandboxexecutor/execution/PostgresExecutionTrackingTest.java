package sandboxexecutor.execution;

import java.util.Map;
import sandboxexecutor.store.TestPostgres;

/** The same tracking tests with the records in a real PostgreSQL (DATABASE_URL). */
class PostgresExecutionTrackingTest extends ExecutionTrackingTest {
  @Override
  Map<String, String> env() {
    return Map.of("DATABASE_URL", TestPostgres.freshDatabaseUrl());
  }
}
