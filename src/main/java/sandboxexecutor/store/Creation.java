package sandboxexecutor.store;

/**
 * What {@link ExecutionStore#create} did. {@link Existing} means the (instance, idempotency key) pair was
 * already used: nothing was inserted and the earlier execution is returned, so the HTTP layer can answer
 * with it (and may compare {@code request()} to reject a different body under the same key).
 */
public sealed interface Creation {
  ExecutionRecord record();

  record Created(ExecutionRecord record) implements Creation {}

  record Existing(ExecutionRecord record) implements Creation {}
}
