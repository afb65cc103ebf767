package sandboxexecutor.sandbox.bwrap;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import sandboxexecutor.sandbox.CommandResult.Termination;
import sandboxexecutor.sandbox.SandboxLimits;

/**
 * Why a command that ran to its own end stopped. rlimits do not announce themselves: RLIMIT_CPU and RLIMIT_FSIZE
 * end a process with SIGXCPU/SIGXFSZ, RLIMIT_AS and RLIMIT_NPROC make allocation and fork fail, and programs print
 * their own message. So the exit code and the end of stderr are read for those signs.
 */
record ExitCause(Termination termination, String reason) {
  private static final int SIGKILL = 128 + 9;
  private static final int SIGXCPU = 128 + 24;
  private static final int SIGXFSZ = 128 + 25;

  private static final List<String> OUT_OF_MEMORY = List.of("memory exhausted", "cannot allocate memory",
      "out of memory", "bad_alloc", "memoryerror", "allocation failed", "failed to reserve");
  private static final List<String> NO_MORE_PROCESSES = List.of("fork: retry", "fork: resource temporarily unavailable",
      "can't fork", "cannot fork", "fork failed");

  static ExitCause exited() {
    return new ExitCause(Termination.EXITED, "");
  }

  static ExitCause timedOut(Duration timeout) {
    return new ExitCause(Termination.TIMED_OUT, "the command ran longer than its " + seconds(timeout)
        + " timeout; it and every process it started were killed");
  }

  static ExitCause cancelled() {
    return new ExitCause(Termination.CANCELLED, "the sandbox was closed while the command ran; it was killed");
  }

  static ExitCause of(int exitCode, String stderrTail, SandboxLimits limits) {
    if (exitCode == 0) return exited();
    if (exitCode == SIGXCPU) {
      return limit("the command used its CPU time limit (" + seconds(limits.cpuTime()) + " per process) and was killed");
    }
    String err = stderrTail.toLowerCase(Locale.ROOT);
    if (exitCode == SIGXFSZ || err.contains("file too large")) {
      return limit("a file reached the size limit (" + mebibytes(limits.maxFileBytes()) + ")");
    }
    if (OUT_OF_MEMORY.stream().anyMatch(err::contains)) {
      return limit("the command ran out of memory (limit: " + mebibytes(limits.memoryBytes()) + " of address space per process)");
    }
    if (NO_MORE_PROCESSES.stream().anyMatch(err::contains)) {
      return limit("the command reached the process limit (" + limits.maxProcesses() + " processes)");
    }
    if (exitCode == SIGKILL) {
      return limit("the command was killed by SIGKILL, most likely for using too much memory");
    }
    return exited();
  }

  private static ExitCause limit(String reason) {
    return new ExitCause(Termination.LIMIT_EXCEEDED, reason);
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static String mebibytes(long bytes) {
    return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
  }
}
