package sandboxexecutor.sandbox.bwrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import sandboxexecutor.sandbox.Command;
import sandboxexecutor.sandbox.SandboxLimits;

class BwrapArgsTest {
  private static final BwrapPolicy.Tools TOOLS =
      new BwrapPolicy.Tools(Path.of("/usr/bin/setpriv"), Path.of("/usr/bin/prlimit"), Path.of("/usr/bin/bwrap"));
  private static final SandboxLimits LIMITS =
      new SandboxLimits(Duration.ofSeconds(30), 512L << 20, 64, Duration.ofSeconds(90), 8L << 20, 1000);

  private static BwrapPolicy policy(Optional<HostIdentity> runAs, boolean network, Map<String, String> env) {
    return new BwrapPolicy(TOOLS, Path.of("/data/ws/abc/workspace"), Path.of("/data/ws/abc/tmp"),
        Path.of("/data/ws/.empty"), "/workspace", runAs, List.of("passwd", "ssl"), LIMITS, network, env);
  }

  private static List<String> bwrapCore(String... middle) {
    var argv = new ArrayList<>(List.of("/usr/bin/bwrap",
        "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup"));
    argv.addAll(List.of(middle));
    return argv;
  }

  private static List<String> mounts() {
    return List.of(
        "--ro-bind", "/usr", "/usr",
        "--ro-bind-try", "/bin", "/bin", "--ro-bind-try", "/sbin", "/sbin", "--ro-bind-try", "/lib", "/lib",
        "--ro-bind-try", "/lib32", "/lib32", "--ro-bind-try", "/lib64", "/lib64", "--ro-bind-try", "/libx32", "/libx32",
        "--ro-bind-try", "/etc/passwd", "/etc/passwd", "--ro-bind-try", "/etc/ssl", "/etc/ssl",
        "--proc", "/proc", "--dev", "/dev",
        "--bind", "/data/ws/abc/tmp", "/tmp",
        "--bind", "/data/ws/abc/workspace", "/workspace");
  }

  private static final List<String> BASE_ENV = List.of(
      "--setenv", "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp", "--setenv", "LANG", "C.UTF-8", "--setenv", "TERM", "dumb");

  @Test
  void as_root_it_drops_to_the_sandbox_uid_limits_everything_and_has_no_network() {
    var command = Command.of(Duration.ofSeconds(5), "echo", "hi there");
    var expected = new ArrayList<>(List.of(
        "/usr/bin/setpriv", "--reuid=200001", "--regid=200001", "--clear-groups", "--",
        "/usr/bin/prlimit", "--as=536870912", "--nproc=64", "--cpu=90:91", "--fsize=8388608", "--nofile=8192",
        "--core=0", "--"));
    expected.addAll(bwrapCore("--unshare-net", "--die-with-parent", "--as-pid-1", "--new-session", "--cap-drop", "ALL",
        "--hostname", "sandbox", "--clearenv"));
    expected.addAll(BASE_ENV);
    expected.addAll(mounts());
    expected.addAll(List.of("--ro-bind", "/data/ws/.empty", "/workspace/.git/hooks",
        "--remount-ro", "/", "--chdir", "/workspace", "--", "/bin/sh", "-c", "\"$@\"; exit $?", "sandbox-init", "echo", "hi there"));

    assertEquals(expected, BwrapArgs.of(policy(Optional.of(new HostIdentity(200001, 200001)), false, Map.of()), command, true));
  }

  @Test
  void as_a_normal_user_it_runs_as_itself_without_a_process_limit_and_may_share_the_network() {
    var command = new Command(List.of("make", "test"), "sub", Map.of("B", "2", "A", "1"), null, Duration.ofSeconds(5));
    var expected = new ArrayList<>(List.of(
        "/usr/bin/prlimit", "--as=536870912", "--cpu=90:91", "--fsize=8388608", "--nofile=8192", "--core=0", "--"));
    expected.addAll(bwrapCore("--die-with-parent", "--as-pid-1", "--new-session", "--cap-drop", "ALL", "--hostname", "sandbox",
        "--clearenv"));
    expected.addAll(BASE_ENV);
    expected.addAll(List.of("--setenv", "CI", "true", "--setenv", "A", "1", "--setenv", "B", "2"));
    expected.addAll(mounts());
    expected.addAll(List.of("--remount-ro", "/", "--chdir", "/workspace/sub", "--", "/bin/sh", "-c", "\"$@\"; exit $?", "sandbox-init", "make", "test"));

    assertEquals(expected, BwrapArgs.of(policy(Optional.empty(), true, Map.of("CI", "true")), command, false));
  }

  @Test
  void command_variables_override_sandbox_ones_which_override_the_base() {
    var command = new Command(List.of("env"), null, Map.of("LANG", "de_DE.UTF-8", "X", "command"), null, Duration.ofSeconds(1));
    var env = BwrapArgs.environment(policy(Optional.empty(), false, Map.of("X", "spec", "HOME", "/workspace")), command);
    assertEquals(Map.of("PATH", BwrapArgs.PATH, "HOME", "/workspace", "TMPDIR", "/tmp", "LANG", "de_DE.UTF-8",
        "TERM", "dumb", "X", "command"), env);
  }

  @Test
  void an_absolute_cwd_is_used_as_given() {
    var command = new Command(List.of("ls"), "/tmp/build", Map.of(), null, Duration.ofSeconds(1));
    List<String> argv = BwrapArgs.of(policy(Optional.empty(), false, Map.of()), command, false);
    assertEquals(List.of("--chdir", "/tmp/build", "--"), argv.subList(argv.size() - 8, argv.size() - 5));
  }

  @Test
  void the_service_environment_never_appears_in_the_argv() {
    List<String> argv = BwrapArgs.of(policy(Optional.empty(), false, Map.of()), Command.of(Duration.ofSeconds(1), "env"), false);
    for (var entry : System.getenv().entrySet()) {
      if (entry.getValue().length() < 6 || BwrapArgs.environment(policy(Optional.empty(), false, Map.of()),
          Command.of(Duration.ofSeconds(1), "env")).containsKey(entry.getKey())) continue;
      assertTrue(argv.stream().noneMatch(arg -> arg.contains(entry.getValue())), entry.getKey() + " is in the argv");
    }
  }

  @Test
  void etc_entries_must_be_plain_names() {
    assertThrows(IllegalArgumentException.class, () -> new BwrapPolicy(TOOLS, Path.of("/w"), Path.of("/t"),
        Path.of("/e"), "/workspace", Optional.empty(), List.of("../root"), LIMITS, false, Map.of()));
  }

  @Test
  void only_allow_listed_etc_entries_are_exposed() {
    assertTrue(BwrapBackend.etcAllowed("passwd"));
    assertTrue(BwrapBackend.etcAllowed("java-21-openjdk"));
    assertTrue(!BwrapBackend.etcAllowed("shadow"));
    assertTrue(!BwrapBackend.etcAllowed("environment"));
    assertTrue(!BwrapBackend.etcAllowed("npmrc"));
  }
}
