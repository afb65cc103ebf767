package sandboxexecutor.sandbox;

import java.io.IOException;

/** Makes sandboxes of one kind (bubblewrap now; docker and kubernetes later). */
public interface SandboxBackend {
  /** Whether sandboxes can be made on this machine now, and if not, how to fix it. Cheap; cached by callers. */
  Availability availability();

  Sandbox create(SandboxSpec spec) throws IOException;

  record Availability(boolean usable, String detail) {}
}
