package sandboxexecutor.execution;

/** Lets tests in other packages skip, or in CI fail, without bubblewrap, the same way this package's tests do. */
public final class SandboxTestingAccess {
  private SandboxTestingAccess() {}

  public static void assumeBubblewrap() {
    SandboxTesting.assumeBubblewrap();
  }
}
