package sandboxexecutor.sandbox.bwrap;

/** A host uid/gid that sandboxed processes run as when the service itself runs as root. */
public record HostIdentity(int uid, int gid) {
  public HostIdentity {
    if (uid <= 0 || gid <= 0) throw new IllegalArgumentException("sandbox uid/gid must be unprivileged: " + uid + "/" + gid);
  }
}
