package sandboxexecutor.sandbox;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A command as an argument list, never a shell string. {@code cwd} is a path inside the sandbox (null: the
 * workspace); {@code env} is added to the sandbox's small fixed environment; {@code stdin} may be null.
 */
public record Command(List<String> argv, String cwd, Map<String, String> env, byte[] stdin, Duration timeout) {
  public Command {
    argv = List.copyOf(argv);
    if (argv.isEmpty()) throw new IllegalArgumentException("argv is empty");
    env = Map.copyOf(env);
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
  }

  public static Command of(Duration timeout, String... argv) {
    return new Command(List.of(argv), null, Map.of(), null, timeout);
  }

  public Command withStdin(byte[] input) {
    return new Command(argv, cwd, env, input, timeout);
  }
}
