package sandboxexecutor.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;
import static sandboxexecutor.testing.FakeAnthropic.toolUse;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sandboxexecutor.testing.GitHttpServer;
import sandboxexecutor.testing.TestApp;
import sandboxexecutor.testing.TestGit;

/** Sandbox mode end to end: real bubblewrap, real git over HTTP, the scripted model through the official SDK. */
class SandboxExecuteTest {
  @TempDir Path work;
  TestApp t;

  @BeforeAll
  static void needsBubblewrap() {
    SandboxTesting.assumeBubblewrap();
  }

  @BeforeEach
  void start() throws Exception {
    t = TestApp.start(Map.of("ALLOW_PRIVATE_NETWORKS", "true"));
  }

  @AfterEach
  void stop() throws Exception {
    t.close();
  }

  @Test
  void hello_world_without_a_repo_returns_a_diff_that_adds_the_script_and_logs_that_show_it_ran() {
    t.claude.reply(
        toolUse("w1", "Write", Map.of("file_path", "hello.py", "content", "print('Hello, world!')\n")),
        toolUse("b1", "Bash", Map.of("command", "python3 hello.py", "description", "Run the script")),
        endTurn("Created hello.py; it prints Hello, world!"));
    var r = t.post("/execute", Map.of("task", "Create a hello world Python script"));
    assertEquals(200, r.status(), r.raw());
    JsonNode body = r.json();
    assertTrue(body.get("success").asBoolean(), r.raw());
    assertEquals("Hello, world!\n", t.claude.request(3).toolResultText("b1"));
    String diff = body.get("diff").asText();
    assertTrue(diff.contains("new file mode") && diff.contains("+++ b/hello.py") && diff.contains("+print('Hello, world!')"), diff);
    assertTrue(body.get("logs").asText().contains("Hello, world!"), body.get("logs").asText());
    JsonNode metadata = body.get("metadata");
    assertEquals(1, metadata.get("files_changed").asInt());
    assertEquals("main", metadata.get("branch").asText());
    assertFalse(metadata.has("base_commit"), "an empty workspace has no base commit");
    assertEquals(12, metadata.get("sandbox_id").asText().length());
    assertEquals(3, metadata.get("num_turns").asInt());
    var init = body.get("messages").get(0);
    assertEquals("/workspace", init.get("cwd").asText());
    assertEquals("acceptEdits", init.get("permissionMode").asText());
    assertTrue(t.claude.request(1).body().get("system").get(0).get("text").asText().contains("/workspace"));
    assertWorkspacesRemoved();
    t.claude.assertDone();
  }

  @Test
  void an_edit_to_a_cloned_repo_shows_exactly_that_change_in_the_diff() throws Exception {
    try (var repo = GitHttpServer.serving(work.resolve("srv"))) {
      Path src = TestGit.sourceRepo(work, work.resolve("srv"));
      String head = TestGit.run(src, "rev-parse", "HEAD").strip();
      t.claude.reply(
          toolUse("r1", "Read", Map.of("file_path", "a.txt")),
          toolUse("e1", "Edit", Map.of("file_path", "/workspace/a.txt", "old_string", "one", "new_string", "uno")),
          endTurn("Translated a.txt"));
      var r = t.post("/execute", Map.of("repo", repo.url("repo.git"), "task", "Translate a.txt to Spanish"));
      assertEquals(200, r.status(), r.raw());
      assertEquals("     1\tone\n", t.claude.request(2).toolResultText("r1"));
      JsonNode metadata = r.json().get("metadata");
      assertEquals(head, metadata.path("base_commit").asText(), metadata.toString());
      assertEquals("main", metadata.get("branch").asText());
      assertEquals(List.of("M a.txt"), strings(metadata.get("files")));
      String diff = r.json().get("diff").asText();
      assertTrue(diff.contains("--- a/a.txt\n+++ b/a.txt\n") && diff.contains("-one\n+uno\n"), diff);
      assertFalse(diff.contains("b.txt"), diff);
    }
  }

  @Test
  void new_deleted_renamed_and_binary_files_all_show_in_the_diff() throws Exception {
    try (var repo = GitHttpServer.serving(work.resolve("srv"))) {
      TestGit.sourceRepo(work, work.resolve("srv"));
      t.claude.reply(
          toolUse("b1", "Bash", Map.of("command", "rm b.txt && git mv a.txt renamed.txt && printf '\\000\\001\\002' > data.bin && echo new > n.txt")),
          endTurn("done"));
      var r = t.post("/execute", Map.of("repo", repo.url("repo.git"), "branch", "feature", "task", "shuffle files"));
      assertEquals(200, r.status(), r.raw());
      String diff = r.json().get("diff").asText();
      assertTrue(diff.contains("deleted file mode") && diff.contains("--- a/b.txt"), diff);
      assertTrue(diff.contains("rename from a.txt") && diff.contains("rename to renamed.txt"), diff);
      assertTrue(diff.contains("Binary files /dev/null and b/data.bin differ"), diff);
      assertTrue(diff.contains("+++ b/n.txt"), diff);
      assertEquals("feature", r.json().get("metadata").get("branch").asText());
      assertEquals(4, r.json().get("metadata").get("files_changed").asInt(), r.json().get("metadata").get("files").toString());
    }
  }

  @Test
  void plan_mode_refuses_writes_and_records_the_denial() {
    t.claude.reply(toolUse("w1", "Write", Map.of("file_path", "x.txt", "content", "x")), endTurn("I would write x.txt"));
    var r = t.post("/execute", Map.of("task", "write x", "options", Map.of("permission_mode", "plan")));
    assertEquals(200, r.status(), r.raw());
    assertTrue(t.claude.request(2).toolResult("w1").get("is_error").asBoolean());
    assertTrue(t.claude.request(2).toolResultText("w1").contains("plan mode"));
    JsonNode messages = r.json().get("messages");
    JsonNode denials = messages.get(messages.size() - 1).get("permission_denials");
    assertEquals("Write", denials.get(0).get("tool_name").asText());
    assertEquals("", r.json().get("diff").asText());
    assertEquals(0, r.json().get("metadata").get("files_changed").asInt());
  }

  @Test
  void a_passing_verify_keeps_success_and_a_failing_one_makes_it_false() {
    t.claude.reply(toolUse("w1", "Write", Map.of("file_path", "ok.txt", "content", "ok")), endTurn("wrote it"),
        endTurn("I am sure it works"));
    var passed = t.post("/execute", Map.of("task", "write ok.txt", "options", Map.of("verify", "test -f ok.txt && echo verified")));
    assertEquals(200, passed.status(), passed.raw());
    assertTrue(passed.json().get("success").asBoolean());
    JsonNode verification = passed.json().get("verification");
    assertTrue(verification.get("passed").asBoolean());
    assertTrue(verification.get("output").asText().contains("verified"));

    var failed = t.post("/execute", Map.of("task", "claim victory", "options", Map.of("verify", "echo checking; exit 3")));
    assertEquals(200, failed.status(), failed.raw());
    assertFalse(failed.json().get("success").asBoolean());
    assertEquals(3, failed.json().get("verification").get("exit_code").asInt());
    assertTrue(failed.json().get("error").asText().contains("Verification failed"));
    t.claude.assertDone();
  }

  @Test
  void a_long_verify_output_keeps_its_end_where_the_failure_is() {
    t.claude.reply(endTurn("done"));
    var r = t.post("/execute", Map.of("task", "nothing", "options", Map.of("verify", "seq 1 10000; echo 'FAILED: the last line'; exit 1")));
    assertEquals(200, r.status(), r.raw());
    String output = r.json().get("verification").get("output").asText();   // 48,915 characters without the cut
    assertTrue(output.endsWith("\n9999\n10000\nFAILED: the last line"), output);
    assertTrue(output.startsWith("[... 28915 characters truncated ...]\n"), output);
    assertEquals("[... 28915 characters truncated ...]\n".length() + 20_000, output.length());
    t.claude.assertDone();
  }

  @Test
  void setup_commands_run_before_the_agent_and_a_failing_one_stops_the_execution() {
    t.claude.reply(toolUse("b1", "Bash", Map.of("command", "cat prepared.txt")), endTurn("read it"));
    var r = t.post("/execute", Map.of("task", "read", "options", Map.of("setup", List.of("echo ready > prepared.txt"))));
    assertEquals(200, r.status(), r.raw());
    assertEquals("ready\n", t.claude.request(2).toolResultText("b1"));
    assertEquals(0, r.json().get("setup").get(0).get("exit_code").asInt());

    var failed = t.post("/execute", Map.of("task", "never runs", "options", Map.of("setup", List.of("echo broken >&2; exit 4"))));
    assertEquals(200, failed.status(), failed.raw());
    assertFalse(failed.json().get("success").asBoolean());
    assertTrue(failed.json().get("error").asText().contains("Setup command"), failed.raw());
    assertTrue(failed.json().get("setup").get(0).get("output").asText().contains("broken"));
    assertEquals(2, t.claude.requests().size(), "the agent did not run after the failed setup");
    t.claude.assertDone();
  }

  @Test
  void a_command_past_its_timeout_is_killed_and_reported_to_the_model() {
    t.claude.reply(toolUse("b1", "Bash", Map.of("command", "sleep 60 & sleep 60", "timeout", 1000)), endTurn("gave up"));
    long started = System.nanoTime();
    var r = t.post("/execute", Map.of("task", "sleep"));
    assertEquals(200, r.status(), r.raw());
    assertTrue((System.nanoTime() - started) / 1_000_000 < 10_000);
    var result = t.claude.request(2);
    assertTrue(result.toolResult("b1").get("is_error").asBoolean());
    assertTrue(result.toolResultText("b1").contains("Stopped"), result.toolResultText("b1"));
  }

  @Test
  void an_execution_past_its_deadline_is_504_with_the_diff_so_far() {
    t.claude.reply(toolUse("w1", "Write", Map.of("file_path", "partial.txt", "content", "p")),
        toolUse("b1", "Bash", Map.of("command", "sleep 30")), endTurn("never"));
    var r = t.post("/execute", Map.of("task", "slow", "options", Map.of("timeout_ms", 2000)));
    assertEquals(504, r.status(), r.raw());
    assertEquals("EXECUTION_TIMEOUT", r.json().get("error_code").asText());
    assertTrue(r.json().get("details").get("diff").asText().contains("partial.txt"), r.raw());
    assertWorkspacesRemoved();
  }

  @Test
  void bad_sandbox_requests_are_400_naming_the_field() {
    assertBad(Map.of(), "task");
    assertBad(Map.of("task", "x", "repo", "file:///etc"), "repo");
    assertBad(Map.of("task", "x", "repo", "--upload-pack=touch /tmp/x"), "repo");
    assertBad(Map.of("task", "x", "branch", "main"), "branch");
    assertBad(Map.of("task", "x", "options", Map.of("permission_mode", "yolo")), "options.permission_mode");
    assertBad(Map.of("task", "x", "options", Map.of("env", Map.of("BAD NAME", "x"))), "options.env");
    assertBad(Map.of("task", "x", "options", Map.of("limits", Map.of("memory_mb", 10_000_000))), "options.limits.memory_mb");
    assertBad(Map.of("task", "x", "options", Map.of("allowed_tools", List.of("Teleport"))), "options.allowed_tools");
    assertEquals(0, t.claude.requests().size());
  }

  void assertBad(Map<String, Object> body, String field) {
    var r = t.post("/execute", body);
    assertTrue(r.status() == 400, r.raw());
    assertTrue(r.json().get("error").asText().contains(field), r.raw());
  }

  void assertWorkspacesRemoved() {
    try (var entries = Files.list(t.dataDir.resolve("workspaces"))) {
      assertEquals(List.of(), entries.filter(p -> !p.getFileName().toString().startsWith(".")).toList(),
          "no workspace is left behind");
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  static List<String> strings(JsonNode array) {
    var out = new java.util.ArrayList<String>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void health_reports_the_sandbox_backend() {
    JsonNode health = t.get("/health").json();
    assertTrue(health.get("checks").get("sandbox").get("ok").asBoolean(), health.toString());
    assertEquals("bwrap", health.get("checks").get("sandbox").get("backend").asText());
    assertNull(health.get("checks").get("sandbox").get("error"));
  }
}
