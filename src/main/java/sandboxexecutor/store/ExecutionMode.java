package sandboxexecutor.store;

import java.util.Locale;

/** Which endpoint ran the execution: {@code POST /execute/sdk} or {@code POST /execute}. */
public enum ExecutionMode {
  SDK, SANDBOX;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ExecutionMode fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
