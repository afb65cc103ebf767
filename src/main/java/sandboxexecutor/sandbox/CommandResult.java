package sandboxexecutor.sandbox;

import java.time.Duration;

/**
 * What a command did. {@code stdout}/{@code stderr} keep the tail when the output passed the cap, after a
 * marker line; {@code truncated} says so. {@code exitCode} is the shell convention (128+signal when killed).
 * {@code reason} explains, for the model, why a command that did not simply exit was stopped ("" otherwise).
 */
public record CommandResult(int exitCode, String stdout, String stderr, boolean truncated, Termination termination,
                            Duration elapsed, String reason) {

  public CommandResult {
    reason = reason == null ? "" : reason;
  }

  public enum Termination {
    /** The command exited by itself (any exit code). */
    EXITED,
    /** Its wall-clock timeout passed; the whole process tree was killed. */
    TIMED_OUT,
    /** A resource limit (memory, CPU time, processes, file size) ended it. */
    LIMIT_EXCEEDED,
    /** The execution was cancelled while it ran. */
    CANCELLED
  }

  public boolean ok() {
    return termination == Termination.EXITED && exitCode == 0;
  }
}
