package sandboxexecutor.store;

import java.util.Locale;

/** Lifecycle of one execution. Stored and sent on the wire as the lower-case name ({@code timed_out}). */
public enum ExecutionStatus {
  QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, INTERRUPTED;

  /** A terminal execution never changes status again: {@link ExecutionStore#finish} refuses it. */
  public boolean isTerminal() {
    return switch (this) {
      case QUEUED, RUNNING -> false;
      case SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, INTERRUPTED -> true;
    };
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ExecutionStatus fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
