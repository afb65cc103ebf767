package sandboxexecutor.config;

/** A value that must never be printed: records print every field, so secrets get their own type. */
public record Secret(String reveal) {
  @Override
  public String toString() {
    return "***";
  }
}
