package sandboxexecutor.sandbox.bwrap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.sandbox.Command;
import sandboxexecutor.sandbox.CommandResult;
import sandboxexecutor.sandbox.Sandbox;
import sandboxexecutor.sandbox.SandboxBackend;
import sandboxexecutor.sandbox.SandboxLimits;
import sandboxexecutor.sandbox.SandboxSpec;

/**
 * Makes {@link BwrapSandbox}es under {@code <workspacesRoot>/<id>/{workspace,tmp}}. Creating one is a few
 * mkdirs (no process); each command then costs one bwrap spawn.
 */
public final class BwrapBackend implements SandboxBackend {
  public static final String WORKDIR = "/workspace";

  /** /etc entries sandboxes need (names, or name prefixes ending in '*'); the rest of /etc stays hidden. */
  static final List<String> ETC_ALLOWED = List.of("alternatives", "bash.bashrc", "ca-certificates",
      "ca-certificates.conf", "crypto-policies", "debian_version", "gai.conf", "gitconfig", "group", "host.conf",
      "hosts", "inputrc", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "locale.alias", "locale.conf", "localtime",
      "magic", "magic.mime", "mailcap", "mime.types", "nsswitch.conf", "os-release", "passwd", "perl", "pki",
      "profile", "protocols", "resolv.conf", "services", "shells", "ssl", "terminfo", "timezone", "vim", "xml",
      "java-*", "python*");

  private static final Path[] TOOL_DIRS = {Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/sbin"), Path.of("/sbin")};

  private final BwrapSettings settings;
  private final boolean serviceIsRoot;
  private final UidPool uids;
  private final BwrapPolicy.Tools tools;
  private final ReentrantLock probeLock = new ReentrantLock();
  private volatile List<String> etcEntries;
  private volatile Availability availability;

  public BwrapBackend(BwrapSettings settings) {
    this.settings = settings;
    this.serviceIsRoot = effectiveUid() == 0;
    this.uids = new UidPool(settings.firstUid(), settings.uidCount());
    this.tools = new BwrapPolicy.Tools(findTool("setpriv"), findTool("prlimit"), settings.bwrap());
  }

  /** Probes once (a real sandbox running {@code true}); later calls return the cached answer. */
  @Override
  public Availability availability() {
    Availability known = availability;
    if (known != null) return known;
    probeLock.lock();
    try {
      if (availability == null) availability = probe();
      return availability;
    } finally {
      probeLock.unlock();
    }
  }

  @Override
  public BwrapSandbox create(SandboxSpec spec) throws IOException {
    if (spec.network() && !settings.networkAllowed()) {
      throw new ExecutorException(ErrorCode.INVALID_REQUEST,
          "network access for sandboxes is disabled on this server (SANDBOX_NETWORK=deny)");
    }
    prepareRoot();
    Path hostRoot = settings.workspacesRoot().resolve(spec.id());
    Optional<HostIdentity> runAs = serviceIsRoot ? Optional.of(uids.lease()) : Optional.empty();
    Runnable release = () -> runAs.ifPresent(uids::release);
    try {
      Files.createDirectory(hostRoot, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path workspace = Files.createDirectory(hostRoot.resolve("workspace"));
      Path tmp = Files.createDirectory(hostRoot.resolve("tmp"));
      if (runAs.isPresent()) {
        for (Path dir : List.of(hostRoot, workspace, tmp)) {
          Files.setAttribute(dir, "unix:uid", runAs.get().uid(), LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(dir, "unix:gid", runAs.get().gid(), LinkOption.NOFOLLOW_LINKS);
        }
      }
      var policy = new BwrapPolicy(tools, workspace, tmp, emptyDir(), WORKDIR, runAs, etcEntries(), spec.limits(),
          spec.network(), spec.env());
      return new BwrapSandbox(spec.id(), hostRoot, policy, settings.keepWorkspaces(), release);
    } catch (IOException | RuntimeException e) {
      release.run();
      throw e;
    }
  }

  /** The uid sandboxes run as is per sandbox (see {@link BwrapSandbox#policy()}); true when one is dropped to. */
  public boolean dropsPrivileges() {
    return serviceIsRoot;
  }

  private Availability probe() {
    for (Path tool : List.of(settings.bwrap(), tools.prlimit(), tools.setpriv())) {
      if (tool == tools.setpriv() && !serviceIsRoot) continue;
      if (!Files.isExecutable(tool)) return new Availability(false, missing(tool));
    }
    var spec = new SandboxSpec("probe-" + UUID.randomUUID(), SandboxLimits.DEFAULTS, false, java.util.Map.of());
    try (Sandbox sandbox = create(spec)) {
      CommandResult result = sandbox.run(Command.of(Duration.ofSeconds(20), "true"));
      if (result.ok()) return new Availability(true, "bubblewrap " + settings.bwrap() + (serviceIsRoot
          ? ", commands run as uids " + settings.firstUid() + "+" + settings.uidCount() : ", commands run as the service's user"));
      return new Availability(false, unusable(result.stderr().strip()));
    } catch (IOException | RuntimeException e) {
      return new Availability(false, "cannot create a sandbox under " + settings.workspacesRoot() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Availability(false, "interrupted while probing bubblewrap");
    }
  }

  private String missing(Path tool) {
    String name = tool.getFileName().toString();
    return switch (name) {
      case "bwrap" -> "bubblewrap not found at " + tool + ": install bubblewrap (apt-get install -y bubblewrap, "
          + "dnf install -y bubblewrap) or set the bwrap path";
      default -> name + " not found: install util-linux (apt-get install -y util-linux)";
    };
  }

  private String unusable(String stderr) {
    String hint;
    if (stderr.contains("namespace") || stderr.contains("uid map") || stderr.contains("Operation not permitted")) {
      hint = "enable unprivileged user namespaces: sysctl -w kernel.unprivileged_userns_clone=1 (Debian/Ubuntu), "
          + "sysctl -w user.max_user_namespaces=15000, and on Ubuntu 24.04+ "
          + "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile allowing bwrap userns)";
    } else if (stderr.contains("source path") || stderr.contains("Permission denied")) {
      hint = "let the sandbox uids reach " + settings.workspacesRoot() + ": every parent directory needs o+x "
          + "(chmod o+x on each)";
    } else {
      hint = "bwrap could not start a sandbox";
    }
    return hint + " (bwrap said: " + (stderr.isEmpty() ? "nothing" : stderr) + ")";
  }

  /** The root and an empty read-only directory in it; the root is o+x so sandbox uids can reach their dirs. */
  private void prepareRoot() throws IOException {
    Path root = settings.workspacesRoot();
    if (Files.isDirectory(emptyDir(), LinkOption.NOFOLLOW_LINKS)) return;
    Files.createDirectories(root);
    if (serviceIsRoot) Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
    Path empty = emptyDir();
    Files.createDirectories(empty);
    Files.setPosixFilePermissions(empty, PosixFilePermissions.fromString("r-xr-xr-x"));
  }

  /** Sandbox ids match [A-Za-z0-9_-], so a dot-name never collides with a sandbox directory. */
  private Path emptyDir() {
    return settings.workspacesRoot().resolve(".empty");
  }

  private List<String> etcEntries() throws IOException {
    List<String> known = etcEntries;
    if (known != null) return known;
    try (Stream<Path> entries = Files.list(Path.of("/etc"))) {
      known = entries.map(p -> p.getFileName().toString()).filter(BwrapBackend::etcAllowed).sorted().toList();
    }
    etcEntries = known;
    return known;
  }

  static boolean etcAllowed(String name) {
    return ETC_ALLOWED.stream().anyMatch(allowed -> allowed.endsWith("*")
        ? name.startsWith(allowed.substring(0, allowed.length() - 1)) : name.equals(allowed));
  }

  private static Path findTool(String name) {
    for (Path dir : TOOL_DIRS) {
      Path candidate = dir.resolve(name);
      if (Files.isExecutable(candidate)) return candidate;
    }
    return Path.of("/usr/bin", name);
  }

  private static int effectiveUid() {
    try {
      return (int) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException e) {
      return -1;   // not Linux: the backend will report itself unusable
    }
  }
}
