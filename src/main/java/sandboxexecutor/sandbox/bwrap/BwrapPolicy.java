package sandboxexecutor.sandbox.bwrap;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import sandboxexecutor.sandbox.SandboxLimits;

/**
 * How every command of one sandbox is confined, as plain data; {@link BwrapArgs} turns it into an argv.
 *
 * @param tools         absolute paths of setpriv, prlimit and bwrap
 * @param hostWorkspace bound read-write at {@code workdir}
 * @param hostTmp       the sandbox's private /tmp (kept between its commands, deleted with the sandbox)
 * @param emptyDir      an empty, read-only host directory laid over {@code .git/hooks}
 * @param runAs         the unprivileged host identity to drop to; empty when the service is not root
 * @param etcEntries    names under /etc exposed read-only (the rest of the host's /etc stays invisible)
 * @param network       share the host's network namespace instead of an empty one
 * @param env           non-secret variables every command gets on top of the fixed environment
 */
public record BwrapPolicy(
    Tools tools,
    Path hostWorkspace,
    Path hostTmp,
    Path emptyDir,
    String workdir,
    Optional<HostIdentity> runAs,
    List<String> etcEntries,
    SandboxLimits limits,
    boolean network,
    Map<String, String> env) {

  public record Tools(Path setpriv, Path prlimit, Path bwrap) {}

  public BwrapPolicy {
    Objects.requireNonNull(tools, "tools");
    Objects.requireNonNull(limits, "limits");
    if (!workdir.startsWith("/") || workdir.equals("/")) throw new IllegalArgumentException("bad workdir: " + workdir);
    for (String entry : etcEntries) {
      if (entry.isEmpty() || entry.contains("/") || entry.startsWith(".")) throw new IllegalArgumentException("bad /etc entry: " + entry);
    }
    etcEntries = List.copyOf(etcEntries);
    env = Map.copyOf(env);
  }
}
