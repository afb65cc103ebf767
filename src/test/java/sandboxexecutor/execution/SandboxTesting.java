package sandboxexecutor.execution;

import java.io.IOException;
import sandboxexecutor.sandbox.bwrap.BwrapBackend;
import sandboxexecutor.sandbox.bwrap.BwrapSettings;
import sandboxexecutor.sandbox.bwrap.BwrapTesting;

final class SandboxTesting {
  private SandboxTesting() {}

  /** Sandbox-mode tests need Linux and bubblewrap; CI installs it (bin/deps), so there they always run. */
  static void assumeBubblewrap() {
    try {
      BwrapTesting.assumeUsable(new BwrapBackend(BwrapSettings.defaults(BwrapTesting.workspacesRoot())));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
