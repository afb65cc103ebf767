package sandboxexecutor.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteExecutionStoreTest extends ExecutionStoreContract {
  @TempDir Path dir;

  @Override
  DatabaseUrl freshDatabase() {
    return DatabaseUrl.sqlite(dir.resolve("executions.db"));
  }
}
