package sandboxexecutor.store;

class PostgresExecutionStoreTest extends ExecutionStoreContract {
  @Override
  DatabaseUrl freshDatabase() {
    return TestPostgres.freshSchema();
  }
}
