package sandboxexecutor.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sandboxexecutor.testing.FakeAnthropic;
import sandboxexecutor.testing.TestApp;

/**
 * Escape attempts driven the way an agent would drive them: through the Bash tool of a real execution. Every
 * probe must be contained, and the server must stay healthy after all of them.
 */
class SandboxEscapeTest {
  static final String API_KEY = "sk-test-escape-canary-0123456789";
  @TempDir Path host;
  TestApp t;
  ServerSocket hostService;
  final AtomicInteger hostConnections = new AtomicInteger();

  @BeforeAll
  static void needsBubblewrap() {
    SandboxTesting.assumeBubblewrap();
  }

  @BeforeEach
  void start() throws Exception {
    t = TestApp.start(Map.of("ANTHROPIC_API_KEY", API_KEY, "GIT_TOKEN", "ghp_canary_token_987654321"));
    hostService = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(() -> {
      while (!hostService.isClosed()) {
        try (var socket = hostService.accept()) {
          hostConnections.incrementAndGet();
        } catch (Exception e) {
          return;
        }
      }
    });
    Files.writeString(host.resolve("secret.txt"), "HOST-SECRET-CONTENT");
  }

  @AfterEach
  void stop() throws Exception {
    hostService.close();
    t.close();
  }

  /** Runs the probes as one assistant turn of Bash calls and returns each tool result, by probe name. */
  Map<String, String> probe(Map<String, Object> options, Map<String, String> commands) {
    return probeExecution(options, commands).results();
  }

  record Probe(Map<String, String> results, com.fasterxml.jackson.databind.JsonNode response) {}

  Probe probeExecution(Map<String, Object> options, Map<String, String> commands) {
    var blocks = new ArrayList<FakeAnthropic.Block>();
    commands.forEach((name, command) -> blocks.add(new FakeAnthropic.ToolUse(name, "Bash", Map.of("command", command, "timeout", 20_000))));
    t.claude.reply(new FakeAnthropic.Turn(blocks, "tool_use", null, Duration.ZERO), endTurn("probed"));
    var r = t.post("/execute", Map.of("task", "probe the sandbox", "options", options));
    assertEquals(200, r.status(), r.raw());
    var results = new LinkedHashMap<String, String>();
    int request = t.claude.requests().size();
    commands.keySet().forEach(name -> results.put(name, t.claude.request(request).toolResultText(name)));
    return new Probe(results, r.json());
  }

  @Test
  void files_network_secrets_and_processes_of_the_host_are_out_of_reach() throws Exception {
    var probes = new LinkedHashMap<String, String>();
    probes.put("read_host_file", "cat " + host.resolve("secret.txt") + "; ls " + host);
    probes.put("read_root_home", "ls -la /root /home 2>&1; cat /etc/shadow 2>&1");
    probes.put("read_data_dir", "ls " + t.dataDir + " 2>&1; ls /workspace/.. 2>&1");
    probes.put("write_outside", "for f in /usr/pwned /etc/pwned /pwned " + host.resolve("pwned") + "; do echo x > $f && echo WROTE $f; done; true");
    probes.put("host_loopback", "exec 3<>/dev/tcp/127.0.0.1/" + hostService.getLocalPort() + " && echo CONNECTED; true");
    probes.put("interfaces", "cat /proc/net/dev");
    probes.put("secrets", "env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; cat /proc/*/cmdline 2>/dev/null | tr '\\0' ' '; grep -r sk-test / --exclude-dir=proc 2>/dev/null | head -3; true");
    probes.put("processes", "ls /proc | grep -E '^[0-9]+$' | wc -l");
    probes.put("identity", "id -u; touch /workspace/owned");
    var out = probe(Map.of(), probes);

    assertFalse(out.get("read_host_file").contains("HOST-SECRET"), out.get("read_host_file"));
    assertFalse(out.get("read_root_home").contains("root:"), out.get("read_root_home"));
    assertTrue(out.get("read_data_dir").contains("No such file") || !out.get("read_data_dir").contains("workspaces"), out.get("read_data_dir"));
    assertFalse(out.get("write_outside").contains("WROTE"), out.get("write_outside"));
    assertFalse(Files.exists(host.resolve("pwned")));
    assertFalse(Files.exists(Path.of("/usr/pwned")) || Files.exists(Path.of("/pwned")));
    assertFalse(out.get("host_loopback").contains("CONNECTED"), out.get("host_loopback"));
    assertEquals(0, hostConnections.get(), "the host's loopback service was never reached");
    assertTrue(out.get("interfaces").contains("lo:"), out.get("interfaces"));
    assertEquals(3, out.get("interfaces").strip().lines().count(), "only the loopback interface exists: " + out.get("interfaces"));
    assertFalse(out.get("secrets").contains(API_KEY), "the API key is not visible inside the sandbox");
    assertFalse(out.get("secrets").contains("ghp_canary"), "the git token is not visible inside the sandbox");
    assertTrue(Integer.parseInt(out.get("processes").strip()) < 10, "only the sandbox's own processes: " + out.get("processes"));
    assertFalse(out.get("identity").startsWith("0\n") && isRoot(), "commands never run as host root");
    assertHealthy();
  }

  @Test
  void fork_bombs_memory_hogs_huge_files_and_leftover_processes_are_contained() throws Exception {
    var probes = new LinkedHashMap<String, String>();
    probes.put("fork_bomb", "bomb() { bomb | bomb & }; bomb; sleep 5");
    probes.put("alive_after_bomb", "echo alive");
    probes.put("memory_hog", "tail /dev/zero");
    probes.put("big_file", "head -c 20000000 /dev/zero > big.bin");
    probes.put("leftover", "nohup sleep 4321 >/dev/null 2>&1 & echo started");
    probes.put("after_leftover", "ps -e -o comm= 2>/dev/null | grep -c sleep || ls /proc | grep -cE '^[0-9]+$'");
    var out = probe(Map.of("limits", Map.of("memory_mb", 256, "max_file_mb", 5, "max_processes", 64)), probes);

    String bomb = out.get("fork_bomb");
    assertTrue(bomb.contains("Resource temporarily unavailable") || bomb.contains("Stopped"), "the process limit held: " + bomb);
    assertEquals("alive\n", out.get("alive_after_bomb"));
    assertTrue(out.get("memory_hog").contains("Stopped"), out.get("memory_hog"));
    assertTrue(out.get("big_file").contains("Stopped") || out.get("big_file").contains("File too large"), out.get("big_file"));
    assertEquals("started\n", out.get("leftover"));
    assertEquals("0", out.get("after_leftover").strip().lines().findFirst().orElse(""), "the background sleep did not survive its command");
    assertFalse(hostProcessRunning("sleep 4321"), "no sandbox process is left on the host");
    assertHealthy();
  }

  @Test
  void git_metadata_written_by_the_agent_never_makes_the_host_run_anything() throws Exception {
    Path marker = host.resolve("host-ran-it");
    String touch = "touch " + marker;
    var probes = new LinkedHashMap<String, String>();
    probes.put("config", "git config core.fsmonitor '" + touch + "' && git config core.pager '" + touch + "' && "
        + "git config diff.external '" + touch + "' && git config filter.evil.clean '" + touch + "' && "
        + "echo '* filter=evil' > .gitattributes && git config alias.diff '!" + touch + "' && echo configured");
    probes.put("hooks", "printf '#!/bin/sh\\n" + touch + "\\n' > .git/hooks/pre-commit && echo HOOK-WRITTEN; "
        + "printf '#!/bin/sh\\n" + touch + "\\n' > .git/hooks/post-checkout 2>&1; true");
    probes.put("file", "echo changed > file.txt");
    var probe = probeExecution(Map.of(), probes);
    var r = probe.results();
    assertEquals("configured\n", r.get("config"));
    assertFalse(r.get("hooks").contains("HOOK-WRITTEN"), ".git/hooks is read-only: " + r.get("hooks"));
    assertFalse(Files.exists(marker), "nothing the agent configured ran on the host");
    String diff = probe.response().get("diff").asText();
    assertTrue(diff.contains("+++ b/file.txt"), "the diff was still computed: " + diff);
    assertHealthy();
  }

  void assertHealthy() {
    var health = t.get("/health");
    assertEquals(200, health.status());
    t.claude.reply(endTurn("still here"));
    var r = t.post("/execute", Map.of("task", "say hi"));
    assertEquals(200, r.status(), r.raw());
    assertTrue(r.json().get("success").asBoolean());
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  static boolean hostProcessRunning(String commandLine) throws Exception {
    List<String> found = new ArrayList<>();
    ProcessHandle.allProcesses().forEach(p -> p.info().commandLine().filter(c -> c.contains(commandLine)).ifPresent(found::add));
    return !found.isEmpty();
  }
}
