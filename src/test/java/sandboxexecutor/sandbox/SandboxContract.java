package sandboxexecutor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sandboxexecutor.sandbox.CommandResult.Termination;

/**
 * The behaviour every {@link Sandbox} backend must have. A backend's test extends this and says how to make
 * sandboxes; it skips itself (with an assumption) where the backend cannot run.
 */
public abstract class SandboxContract {
  protected static final Duration SHORT = Duration.ofSeconds(10);

  /** What may exist at the top of a sandbox's file system: system directories, never host data. */
  protected static final Set<String> ROOT_ENTRIES = Set.of("bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr",
      "etc", "dev", "proc", "tmp", "workspace");

  private final List<Sandbox> sandboxes = Collections.synchronizedList(new ArrayList<>());

  /** A fresh sandbox of the backend under test; network=true specs are allowed by the operator. */
  protected abstract Sandbox newSandbox(SandboxSpec spec) throws IOException;

  /** Whether the backend bounds the number of processes (a fork bomb test would otherwise hurt the host). */
  protected abstract boolean limitsProcesses();

  /** The variables a command sees besides the spec's and the command's own (names only). */
  protected abstract Set<String> baseEnvironment();

  protected Sandbox sandbox(SandboxLimits limits, boolean network, Map<String, String> env) throws IOException {
    String id = "t" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    Sandbox sandbox = newSandbox(new SandboxSpec(id, limits, network, env));
    sandboxes.add(sandbox);
    return sandbox;
  }

  protected Sandbox sandbox() throws IOException {
    return sandbox(SandboxLimits.DEFAULTS, false, Map.of());
  }

  protected static CommandResult sh(Sandbox sandbox, String script) throws Exception {
    return sandbox.run(Command.of(SHORT, "sh", "-c", script));
  }

  protected static SandboxLimits limits(Duration timeout, long memory, int processes, Duration cpu, long fileBytes, int output) {
    return new SandboxLimits(timeout, memory, processes, cpu, fileBytes, output);
  }

  @AfterEach
  void closeSandboxes() {
    sandboxes.forEach(Sandbox::close);
  }

  @Test
  void echo_reaches_stdout_and_exit_codes_come_back() throws Exception {
    Sandbox sandbox = sandbox();
    CommandResult hello = sandbox.run(Command.of(SHORT, "echo", "hello"));
    assertEquals("hello\n", hello.stdout());
    assertEquals(0, hello.exitCode());
    assertEquals(Termination.EXITED, hello.termination());
    CommandResult failed = sh(sandbox, "echo oops >&2; exit 7");
    assertEquals(new CommandResult(7, "", "oops\n", false, Termination.EXITED, failed.elapsed(), ""), failed);
  }

  @Test
  void stdin_is_fed_then_closed_and_missing_stdin_is_empty() throws Exception {
    Sandbox sandbox = sandbox();
    assertEquals("line one\nline two", sandbox.run(Command.of(SHORT, "cat")
        .withStdin("line one\nline two".getBytes(StandardCharsets.UTF_8))).stdout());
    assertEquals("0\n", sandbox.run(Command.of(SHORT, "sh", "-c", "wc -c")).stdout().strip() + "\n");
  }

  @Test
  void commands_start_in_the_workdir_and_honour_cwd() throws Exception {
    Sandbox sandbox = sandbox();
    assertEquals(sandbox.workdir() + "\n", sandbox.run(Command.of(SHORT, "pwd")).stdout());
    sh(sandbox, "mkdir -p sub/dir");
    var inSub = new Command(List.of("pwd"), "sub/dir", Map.of(), null, SHORT);
    assertEquals(sandbox.workdir() + "/sub/dir\n", sandbox.run(inSub).stdout());
    var inTmp = new Command(List.of("pwd"), "/tmp", Map.of(), null, SHORT);
    assertEquals("/tmp\n", sandbox.run(inTmp).stdout());
  }

  @Test
  void files_written_in_the_workspace_appear_on_the_host() throws Exception {
    Sandbox sandbox = sandbox();
    assertTrue(sh(sandbox, "echo data > made-inside.txt").ok());
    assertEquals("data\n", Files.readString(sandbox.hostWorkspace().resolve("made-inside.txt")));
  }

  @Test
  void environment_holds_only_the_allowed_variables() throws Exception {
    Sandbox sandbox = sandbox(SandboxLimits.DEFAULTS, false, Map.of("SPEC_VAR", "from-spec"));
    var command = new Command(List.of("sh", "-c", "env; cat /proc/*/environ | tr '\\0' '\\n'"), null,
        Map.of("CMD_VAR", "from-command"), null, SHORT);
    CommandResult result = sandbox.run(command);
    Set<String> names = result.stdout().lines().filter(l -> l.contains("="))
        .map(l -> l.substring(0, l.indexOf('='))).collect(Collectors.toCollection(TreeSet::new));
    Set<String> allowed = new TreeSet<>(baseEnvironment());
    allowed.addAll(List.of("SPEC_VAR", "CMD_VAR", "PWD", "SHLVL", "_", "OLDPWD"));
    assertTrue(allowed.containsAll(names), "unexpected variables: " + names);
    assertTrue(result.stdout().contains("SPEC_VAR=from-spec"));
    assertTrue(result.stdout().contains("CMD_VAR=from-command"));
    // none of the service's own variables leak, whatever their name
    for (var entry : System.getenv().entrySet()) {
      if (allowed.contains(entry.getKey()) || entry.getValue().length() < 6) continue;
      assertFalse(result.stdout().contains(entry.getKey() + "=" + entry.getValue()), entry.getKey() + " leaked");
    }
  }

  @Test
  void writes_outside_the_workspace_fail() throws Exception {
    Sandbox sandbox = sandbox();
    Path elsewhere = Files.createTempDirectory("sandbox-elsewhere");
    try {
      for (String target : List.of("/usr/evil", "/etc/evil", "/evil", elsewhere + "/evil", "/proc/evil")) {
        CommandResult result = sh(sandbox, "echo x > '" + target + "'");
        assertNotEquals(0, result.exitCode(), target + " was writable");
      }
      assertFalse(Files.exists(elsewhere.resolve("evil")));
      assertFalse(Files.exists(Path.of("/etc/evil")));
      assertTrue(sh(sandbox, "echo x > /tmp/fine && cat /tmp/fine").ok(), "/tmp is the sandbox's own");
    } finally {
      Files.deleteIfExists(elsewhere);
    }
  }

  @Test
  void host_files_outside_the_workspace_are_invisible() throws Exception {
    Sandbox sandbox = sandbox();
    Path elsewhere = Files.createTempDirectory("sandbox-secret");
    Path marker = Files.writeString(elsewhere.resolve("marker.txt"), "host secret");
    try {
      assertNotEquals(0, sh(sandbox, "cat '" + marker + "'").exitCode());
      assertNotEquals(0, sh(sandbox, "cat '" + sandbox.hostWorkspace() + "/x'; ls '" + sandbox.hostWorkspace() + "'").exitCode());
      CommandResult root = sh(sandbox, "ls -A /root 2>/dev/null; ls -A /home 2>/dev/null; true");
      assertEquals("", root.stdout(), "host home directories must not be visible");
      CommandResult top = sh(sandbox, "ls -A /");
      assertTrue(ROOT_ENTRIES.containsAll(top.stdout().lines().toList()), "unexpected top-level entries: " + top.stdout());
    } finally {
      Files.delete(marker);
      Files.delete(elsewhere);
    }
  }

  @Test
  void other_workspaces_are_invisible() throws Exception {
    Sandbox first = sandbox();
    Sandbox second = sandbox();
    assertTrue(sh(first, "echo first-only-4711 > mine.txt").ok());
    CommandResult search = sh(second, "grep -rl first-only-4711 /workspace /tmp /dev 2>/dev/null; ls -A /workspace");
    assertEquals("", search.stdout());
    assertNotEquals(0, sh(second, "ls '" + first.hostWorkspace() + "'").exitCode());
  }

  @Test
  void network_is_off_by_default() throws Exception {
    Sandbox sandbox = sandbox();
    CommandResult links = sh(sandbox, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    assertEquals("lo\n", links.stdout());
    try (var server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      CommandResult connect = sandbox.run(Command.of(SHORT, "bash", "-c",
          "echo hi > /dev/tcp/127.0.0.1/" + server.getLocalPort()));
      assertNotEquals(0, connect.exitCode(), "reached the host's loopback server");
    }
  }

  @Test
  void network_is_the_hosts_when_allowed() throws Exception {
    Sandbox sandbox = sandbox(SandboxLimits.DEFAULTS, true, Map.of());
    Set<String> hostLinks = NetworkInterface.networkInterfaces().map(NetworkInterface::getName)
        .collect(Collectors.toCollection(TreeSet::new));
    CommandResult links = sh(sandbox, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    assertTrue(new TreeSet<>(links.stdout().lines().toList()).containsAll(hostLinks), links.stdout() + " vs " + hostLinks);
    try (var server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(5_000);
      var received = new AtomicReference<String>();
      Thread accept = Thread.ofVirtual().start(() -> {
        try (Socket socket = server.accept()) {
          received.set(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
          received.set("accept failed: " + e);
        }
      });
      CommandResult connect = sandbox.run(Command.of(SHORT, "bash", "-c",
          "echo hi > /dev/tcp/127.0.0.1/" + server.getLocalPort()));
      accept.join(Duration.ofSeconds(5));
      assertEquals(0, connect.exitCode(), connect.stderr());
      assertEquals("hi\n", received.get());
    }
  }

  @Test
  void proc_shows_only_the_sandboxs_own_processes() throws Exception {
    CommandResult result = sh(sandbox(), "for p in /proc/[0-9]*; do cat $p/cmdline | tr '\\0' ' '; echo; done");
    List<String> processes = result.stdout().lines().filter(l -> !l.isBlank()).toList();
    assertTrue(processes.size() <= 4, "saw " + processes);
    String jvm = ProcessHandle.current().info().command().orElseThrow();
    assertTrue(processes.stream().noneMatch(p -> p.contains(jvm)), "host processes visible: " + processes);
  }

  @Test
  void timeout_kills_the_whole_process_tree() throws Exception {
    Sandbox sandbox = sandbox();
    String marker = uniqueSleep();
    long start = System.nanoTime();
    CommandResult result = sandbox.run(Command.of(Duration.ofSeconds(1), "sh", "-c",
        "sleep " + marker + " & sleep " + marker));
    assertEquals(Termination.TIMED_OUT, result.termination());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(3)) < 0);
    assertFalse(result.reason().isEmpty());
    assertEquals(List.of(), hostProcessesWith(marker));
  }

  @Test
  void the_sandbox_limit_caps_a_longer_command_timeout() throws Exception {
    Sandbox sandbox = sandbox(limits(Duration.ofSeconds(1), 2L << 30, 256, Duration.ofMinutes(1), 1L << 20, 10_000),
        false, Map.of());
    CommandResult result = sandbox.run(Command.of(Duration.ofMinutes(5), "sleep", uniqueSleep()));
    assertEquals(Termination.TIMED_OUT, result.termination());
    assertTrue(result.elapsed().compareTo(Duration.ofSeconds(3)) < 0);
  }

  @Test
  void background_processes_do_not_survive_the_command() throws Exception {
    Sandbox sandbox = sandbox();
    String marker = uniqueSleep();
    CommandResult result = sh(sandbox, "sleep " + marker + " >/dev/null 2>&1 & echo started");
    assertEquals("started\n", result.stdout());
    assertTrue(result.elapsed().compareTo(Duration.ofSeconds(5)) < 0);
    assertEquals(List.of(), hostProcessesWith(marker));
  }

  @Test
  void a_fork_bomb_is_contained_and_the_sandbox_still_works() throws Exception {
    assumeTrue(limitsProcesses(), "this backend does not bound processes here; a fork bomb would hit the host");
    Sandbox sandbox = sandbox(limits(Duration.ofSeconds(3), 1L << 30, 64, Duration.ofSeconds(10), 1L << 20, 10_000),
        false, Map.of());
    // the main process stays, or the bomb would die with it at once
    CommandResult bomb = sandbox.run(Command.of(Duration.ofSeconds(3), "bash", "-c", "b() { b | b & }; b; sleep 10"));
    assertTrue(Set.of(Termination.LIMIT_EXCEEDED, Termination.TIMED_OUT).contains(bomb.termination()), bomb.toString());
    assertEquals("ok\n", sandbox.run(Command.of(SHORT, "echo", "ok")).stdout());
    assertEquals(0, new ProcessBuilder("true").start().waitFor(), "the host can still start processes");
  }

  @Test
  void a_memory_hog_is_stopped_by_the_memory_limit() throws Exception {
    Sandbox sandbox = sandbox(limits(SHORT, 256L << 20, 64, Duration.ofSeconds(10), 1L << 20, 10_000), false, Map.of());
    CommandResult result = sandbox.run(Command.of(SHORT, "tail", "/dev/zero"));
    assertEquals(Termination.LIMIT_EXCEEDED, result.termination(), result.toString());
    assertTrue(result.reason().contains("memory"), result.reason());
  }

  @Test
  void cpu_time_is_limited() throws Exception {
    Sandbox sandbox = sandbox(limits(SHORT, 1L << 30, 64, Duration.ofSeconds(1), 1L << 20, 10_000), false, Map.of());
    CommandResult result = sandbox.run(Command.of(SHORT, "sh", "-c", "while :; do :; done"));
    assertEquals(Termination.LIMIT_EXCEEDED, result.termination(), result.toString());
    assertTrue(result.reason().contains("CPU"), result.reason());
  }

  @Test
  void a_file_past_the_size_limit_cannot_be_written() throws Exception {
    Sandbox sandbox = sandbox(limits(SHORT, 1L << 30, 64, Duration.ofSeconds(10), 1L << 20, 10_000), false, Map.of());
    CommandResult result = sh(sandbox, "head -c 3000000 /dev/zero > big.bin");
    assertEquals(Termination.LIMIT_EXCEEDED, result.termination(), result.toString());
    assertTrue(Files.size(sandbox.hostWorkspace().resolve("big.bin")) <= 1L << 20);
  }

  @Test
  void output_over_the_cap_keeps_the_tail_after_a_marker() throws Exception {
    Sandbox sandbox = sandbox(limits(SHORT, 1L << 30, 64, Duration.ofSeconds(10), 1L << 20, 1_000), false, Map.of());
    CommandResult result = sandbox.run(Command.of(SHORT, "seq", "1", "10000"));
    assertTrue(result.truncated());
    assertTrue(result.stdout().startsWith("[... 47894 bytes truncated ...]\n"), result.stdout().substring(0, 40));
    assertTrue(result.stdout().endsWith("\n9999\n10000\n"));
    assertEquals(Termination.EXITED, result.termination());
  }

  @Test
  void output_streams_to_the_listener_while_the_command_runs() throws Exception {
    Sandbox sandbox = sandbox();
    var streamed = new StringBuffer();
    var firstChunkAt = new AtomicLong();
    CommandResult result = sandbox.run(Command.of(SHORT, "sh", "-c", "echo first; echo err >&2; sleep 1; echo second"),
        (stream, chunk) -> {
          firstChunkAt.compareAndSet(0, System.nanoTime());
          if (stream == OutputListener.Stream.STDOUT) streamed.append(chunk);
        });
    long returnedAt = System.nanoTime();
    assertEquals("first\nsecond\n", streamed.toString());
    assertEquals(result.stdout(), streamed.toString());
    assertTrue(returnedAt - firstChunkAt.get() > Duration.ofMillis(500).toNanos(), "output came only at the end");
  }

  @Test
  void git_hooks_are_read_only_inside_the_sandbox() throws Exception {
    Sandbox sandbox = sandbox();
    Files.createDirectories(sandbox.hostWorkspace().resolve(".git"));   // as a clone leaves it, hooks missing
    CommandResult result = sh(sandbox, "echo evil > .git/hooks/pre-commit");
    assertNotEquals(0, result.exitCode());
    assertTrue(sh(sandbox, "test -d .git/hooks && echo ok > .git/config").ok(), "the rest of .git stays writable");
    assertFalse(Files.exists(sandbox.hostWorkspace().resolve(".git/hooks/pre-commit")));
  }

  @Test
  void interrupting_the_caller_kills_the_command_within_a_second() throws Exception {
    Sandbox sandbox = sandbox();
    String marker = uniqueSleep();
    var thrown = new AtomicReference<Throwable>();
    Thread caller = Thread.ofVirtual().start(() -> {
      try {
        sandbox.run(Command.of(SHORT, "sleep", marker));
      } catch (Throwable t) {
        thrown.set(t);
      }
    });
    Thread.sleep(300);
    long interruptedAt = System.nanoTime();
    caller.interrupt();
    assertTrue(caller.join(Duration.ofSeconds(1)), "run did not return within a second");
    assertTrue(System.nanoTime() - interruptedAt < Duration.ofSeconds(1).toNanos());
    assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
    assertEquals(List.of(), hostProcessesWith(marker));
  }

  @Test
  void close_stops_a_running_command_as_cancelled() throws Exception {
    Sandbox sandbox = sandbox();
    var result = new AtomicReference<CommandResult>();
    Thread caller = Thread.ofVirtual().start(() -> {
      try {
        result.set(sandbox.run(Command.of(SHORT, "sleep", uniqueSleep())));
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    Thread.sleep(300);
    sandbox.close();
    assertTrue(caller.join(Duration.ofSeconds(2)));
    assertEquals(Termination.CANCELLED, result.get().termination());
    assertThrows(IOException.class, () -> sandbox.run(Command.of(SHORT, "true")));
  }

  @Test
  void close_removes_the_workspace_without_following_links_out_of_it() throws Exception {
    Sandbox sandbox = sandbox();
    Path outside = Files.createTempDirectory("sandbox-keep");
    Path precious = Files.writeString(outside.resolve("precious.txt"), "keep me");
    try {
      Files.createSymbolicLink(sandbox.hostWorkspace().resolve("link"), outside);
      assertTrue(sh(sandbox, "mkdir -p a/b && echo x > a/b/c && chmod 500 a/b").ok());
      sandbox.close();
      assertFalse(Files.exists(sandbox.hostWorkspace()));
      assertEquals("keep me", Files.readString(precious));
    } finally {
      Files.deleteIfExists(precious);
      Files.deleteIfExists(outside);
    }
  }

  /** A sleep duration nobody else uses, so the host's process table can be searched for it. */
  protected static String uniqueSleep() {
    return "60." + ThreadLocalRandom.current().nextInt(100_000, 999_999);
  }

  /** Host processes whose command line contains {@code marker}. */
  protected static List<String> hostProcessesWith(String marker) throws IOException {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs.filter(p -> p.getFileName().toString().matches("\\d+")).map(p -> {
        try {
          return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
          return "";   // exited meanwhile
        }
      }).filter(cmdline -> cmdline.contains(marker)).toList();
    }
  }
}
