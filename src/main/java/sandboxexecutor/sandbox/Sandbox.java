package sandboxexecutor.sandbox;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One isolated workspace and the commands run against it. Every process a command starts is gone when
 * {@link #run} returns; {@link #close} removes the workspace (unless the operator keeps workspaces).
 */
public interface Sandbox extends AutoCloseable {
  /** The workspace as processes inside the sandbox see it, for example {@code /workspace}. */
  String workdir();

  /** The workspace directory on the host: the service clones into it before the agent starts. */
  Path hostWorkspace();

  /**
   * Runs one command to completion, its deadline or a cancel. A non-zero exit, a timeout or a limit hit is a
   * result, not an exception; IOException means the sandbox itself could not run it.
   */
  CommandResult run(Command command, OutputListener output) throws IOException, InterruptedException;

  default CommandResult run(Command command) throws IOException, InterruptedException {
    return run(command, OutputListener.NONE);
  }

  /** Kills whatever still runs and removes the workspace. Idempotent. */
  @Override
  void close();
}
