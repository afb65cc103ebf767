package sandboxexecutor.sandbox;

import java.time.Duration;

/** Resource limits of one sandbox; every one has a default and an operator cap (see Config). */
public record SandboxLimits(
    Duration commandTimeout,
    long memoryBytes,
    int maxProcesses,
    Duration cpuTime,
    long maxFileBytes,
    int maxOutputBytes) {

  public static final SandboxLimits DEFAULTS = new SandboxLimits(
      Duration.ofMinutes(2), 2L << 30, 256, Duration.ofMinutes(10), 256L << 20, 100_000);
}
