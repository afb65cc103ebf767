package sandboxexecutor.execution;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

final class SandboxTesting {
  private SandboxTesting() {}

  /** Sandbox-mode tests need Linux and bubblewrap; CI installs it (bin/deps), so there they always run. */
  static void assumeBubblewrap() {
    boolean available = System.getProperty("os.name").startsWith("Linux") && Files.isExecutable(Path.of("/usr/bin/bwrap"));
    if ("true".equals(System.getenv("CI"))) {
      if (!available) throw new AssertionError("CI must have bubblewrap: bin/deps installs it");
      return;
    }
    assumeTrue(available, "bubblewrap is not installed");
  }
}
