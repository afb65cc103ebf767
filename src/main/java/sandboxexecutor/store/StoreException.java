package sandboxexecutor.store;

/** The database or object store failed (unreachable, timed out, constraint broken). Unchecked: callers map it to a 5xx. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
