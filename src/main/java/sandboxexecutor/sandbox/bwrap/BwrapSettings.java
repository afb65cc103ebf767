package sandboxexecutor.sandbox.bwrap;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Operator settings of the bubblewrap backend (Main builds it from Config).
 *
 * @param workspacesRoot  where sandbox directories live, e.g. {@code <DATA_DIR>/workspaces}; every component
 *                        above it must be traversable (o+x) by the sandbox uids
 * @param firstUid        when the service runs as root, sandboxes run as uids {@code firstUid ..
 *                        firstUid+uidCount-1} (gid = uid), one per live sandbox; ignored when not root
 * @param uidCount        size of that range
 * @param keepWorkspaces  leave sandbox directories on disk after close (debugging)
 * @param networkAllowed  whether a sandbox may ask for the host network ({@code SANDBOX_NETWORK=allow})
 * @param bwrap           the bwrap binary
 */
public record BwrapSettings(
    Path workspacesRoot, int firstUid, int uidCount, boolean keepWorkspaces, boolean networkAllowed, Path bwrap) {

  public static final int DEFAULT_FIRST_UID = 200_000;
  public static final int DEFAULT_UID_COUNT = 1_000;
  public static final Path DEFAULT_BWRAP = Path.of("/usr/bin/bwrap");

  public BwrapSettings {
    Objects.requireNonNull(workspacesRoot, "workspacesRoot");
    Objects.requireNonNull(bwrap, "bwrap");
    workspacesRoot = workspacesRoot.toAbsolutePath().normalize();
    if (firstUid <= 0 || uidCount <= 0) throw new IllegalArgumentException("bad sandbox uid range: " + firstUid + "+" + uidCount);
  }

  public static BwrapSettings defaults(Path workspacesRoot) {
    return new BwrapSettings(workspacesRoot, DEFAULT_FIRST_UID, DEFAULT_UID_COUNT, false, false, DEFAULT_BWRAP);
  }

  public BwrapSettings withNetworkAllowed(boolean allowed) {
    return new BwrapSettings(workspacesRoot, firstUid, uidCount, keepWorkspaces, allowed, bwrap);
  }

  public BwrapSettings withKeepWorkspaces(boolean keep) {
    return new BwrapSettings(workspacesRoot, firstUid, uidCount, keep, networkAllowed, bwrap);
  }
}
