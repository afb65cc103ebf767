package sandboxexecutor.sandbox;

/** Receives a command's output as it is produced (for streaming); called from the reading thread. */
@FunctionalInterface
public interface OutputListener {
  OutputListener NONE = (stream, chunk) -> {};

  enum Stream { STDOUT, STDERR }

  void onOutput(Stream stream, String chunk);
}
