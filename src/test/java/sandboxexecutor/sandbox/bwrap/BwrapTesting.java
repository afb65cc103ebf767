package sandboxexecutor.sandbox.bwrap;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/** Shared set-up of the tests that run real bubblewrap. */
public final class BwrapTesting {
  private BwrapTesting() {}

  /**
   * A fresh workspaces root under a temp directory the sandbox uids can traverse (temp dirs are 0700, which
   * a dropped uid cannot pass).
   */
  public static Path workspacesRoot() throws IOException {
    Path parent = Files.createTempDirectory("bwrap-test");
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx--x--x"));
    return parent.resolve("workspaces");
  }

  /**
   * Skips the calling test class unless this is Linux with a bubblewrap that can make sandboxes. In CI
   * (CI=true), where bin/deps installs bubblewrap, a missing sandbox fails instead, so these tests always run.
   */
  public static void assumeUsable(BwrapBackend backend) {
    boolean linux = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux");
    var availability = linux ? backend.availability() : new sandboxexecutor.sandbox.SandboxBackend.Availability(false, "not Linux");
    if ("true".equals(System.getenv("CI")) && !availability.usable()) {
      throw new AssertionError("CI must be able to run bubblewrap sandboxes: " + availability.detail());
    }
    assumeTrue(availability.usable(), availability.detail());
  }
}
