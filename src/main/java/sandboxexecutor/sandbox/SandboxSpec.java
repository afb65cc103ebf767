package sandboxexecutor.sandbox;

import java.util.Map;

/**
 * What a new sandbox looks like: its id, limits, whether it may reach the network, and the extra, non-secret
 * environment every command gets. The backend adds nothing from the service's own environment.
 */
public record SandboxSpec(String id, SandboxLimits limits, boolean network, Map<String, String> env) {
  public SandboxSpec {
    if (!id.matches("[A-Za-z0-9_-]{1,64}")) throw new IllegalArgumentException("bad sandbox id: " + id);
    env = Map.copyOf(env);
  }
}
