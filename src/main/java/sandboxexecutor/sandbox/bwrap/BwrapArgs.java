package sandboxexecutor.sandbox.bwrap;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import sandboxexecutor.sandbox.Command;
import sandboxexecutor.sandbox.SandboxLimits;

/**
 * Policy + command → the argv that runs the command confined: {@code [setpriv …] prlimit … bwrap … -- argv}.
 * A pure function (no I/O) so the whole command line is checked by unit tests.
 */
public final class BwrapArgs {
  /** Open files per process; generous for build tools, still bounded. */
  static final int MAX_OPEN_FILES = 8192;

  static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /** System directories bound read-only when they exist (merged-/usr hosts have symlinks; binding follows them). */
  static final List<String> SYSTEM_DIRS = List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");

  /**
   * The sandbox's pid 1: a shell that runs the command as its child and exits with its status. bwrap's own
   * init would do, but the outer bwrap then exits as soon as the command does, before the kernel has killed
   * what the command left behind. With the command's parent as pid 1 (--as-pid-1), bwrap exits only after
   * the namespace is empty, and the command itself keeps normal signal behaviour (pid 1 ignores SIGXCPU).
   */
  static final List<String> INIT = List.of("/bin/sh", "-c", "\"$@\"; exit $?", "sandbox-init");

  private BwrapArgs() {}

  /**
   * @param coverGitHooks lay the empty read-only directory over {@code <workdir>/.git/hooks}; the caller passes
   *                      true when the workspace has a {@code .git} directory
   */
  public static List<String> of(BwrapPolicy policy, Command command, boolean coverGitHooks) {
    var argv = new ArrayList<String>();
    policy.runAs().ifPresent(id -> argv.addAll(List.of(policy.tools().setpriv().toString(),
        "--reuid=" + id.uid(), "--regid=" + id.gid(), "--clear-groups", "--")));
    argv.addAll(limits(policy));
    argv.addAll(bwrap(policy, command, coverGitHooks));
    argv.add("--");
    argv.addAll(INIT);
    argv.addAll(command.argv());
    return List.copyOf(argv);
  }

  /** The environment inside the sandbox: fixed base, then the sandbox's, then the command's (later wins). */
  public static Map<String, String> environment(BwrapPolicy policy, Command command) {
    var env = new LinkedHashMap<String, String>();
    env.put("PATH", PATH);
    env.put("HOME", "/tmp");
    env.put("TMPDIR", "/tmp");
    env.put("LANG", "C.UTF-8");
    env.put("TERM", "dumb");
    env.putAll(new TreeMap<>(policy.env()));
    env.putAll(new TreeMap<>(command.env()));
    return env;
  }

  private static List<String> limits(BwrapPolicy policy) {
    SandboxLimits limits = policy.limits();
    long cpuSeconds = Math.max(1, limits.cpuTime().toSeconds());
    var argv = new ArrayList<>(List.of(policy.tools().prlimit().toString(),
        "--as=" + limits.memoryBytes(),
        // soft < hard so the kernel sends SIGXCPU (recognisable, exit 152) before SIGKILL
        "--cpu=" + cpuSeconds + ":" + (cpuSeconds + 1),
        "--fsize=" + limits.maxFileBytes(),
        "--nofile=" + MAX_OPEN_FILES,
        // SIGXCPU/SIGXFSZ dump core by default: no core files in the workspace
        "--core=0"));
    // RLIMIT_NPROC counts every task of the host uid, so it is only meaningful for a dedicated uid; as the
    // service's own uid it would count the JVM's threads too.
    if (policy.runAs().isPresent()) argv.add(2, "--nproc=" + limits.maxProcesses());
    argv.add("--");
    return argv;
  }

  private static List<String> bwrap(BwrapPolicy policy, Command command, boolean coverGitHooks) {
    var argv = new ArrayList<>(List.of(policy.tools().bwrap().toString(),
        "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup"));
    if (!policy.network()) argv.add("--unshare-net");
    argv.addAll(List.of("--die-with-parent", "--as-pid-1", "--new-session", "--cap-drop", "ALL", "--hostname", "sandbox",
        "--clearenv"));
    environment(policy, command).forEach((name, value) -> argv.addAll(List.of("--setenv", name, value)));
    argv.addAll(List.of("--ro-bind", "/usr", "/usr"));
    for (String dir : SYSTEM_DIRS) argv.addAll(List.of("--ro-bind-try", dir, dir));
    for (String entry : policy.etcEntries()) argv.addAll(List.of("--ro-bind-try", "/etc/" + entry, "/etc/" + entry));
    argv.addAll(List.of("--proc", "/proc", "--dev", "/dev",
        "--bind", policy.hostTmp().toString(), "/tmp",
        "--bind", policy.hostWorkspace().toString(), policy.workdir()));
    if (coverGitHooks) argv.addAll(List.of("--ro-bind", policy.emptyDir().toString(), policy.workdir() + "/.git/hooks"));
    // bwrap's root is a scratch tmpfs: make it read-only once every mount point exists
    argv.addAll(List.of("--remount-ro", "/", "--chdir", cwd(policy.workdir(), command.cwd())));
    return argv;
  }

  private static String cwd(String workdir, String cwd) {
    if (cwd == null || cwd.isEmpty()) return workdir;
    return cwd.startsWith("/") ? cwd : workdir + "/" + cwd;
  }
}
