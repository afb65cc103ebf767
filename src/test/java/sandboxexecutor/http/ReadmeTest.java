package sandboxexecutor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;
import static sandboxexecutor.testing.FakeAnthropic.toolUse;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sandboxexecutor.execution.SandboxTestingAccess;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.testing.FakeAnthropic;
import sandboxexecutor.testing.GitHttpServer;
import sandboxexecutor.testing.TestApp;
import sandboxexecutor.testing.TestGit;

/**
 * Runs every curl command in README.md as written: bash runs the command's text with the real curl. Two real
 * servers listen on random ports; a curlrc's {@code connect-to} lines make {@code localhost:8787} and
 * {@code server:8787} reach the one an example is meant for: the protected-mode server (no keys, loopback only)
 * or a server with the key {@code $KEY} and CORS for {@code https://app.example.com}. {@code owner/name}
 * repositories come from a local git server named by {@code GITHUB_URL}, as a GitHub Enterprise server would be,
 * and the fake Anthropic API answers each README prompt as a model might. {@code $ID} is the execution the
 * previous example started, or one the test starts when an example needs a running execution.
 *
 * <p>Every curl command must have exactly one expectation below and every expectation must be used, so a new
 * example cannot go untested and a removed one is noticed.
 */
class ReadmeTest {
  static final String KEY = "sk-se-readme-0123456789abcdef";
  static final Pattern STATUS_LINE = Pattern.compile("(?m)^HTTP/[0-9.]+ (\\d{3})");

  enum Server { PROTECTED, KEYED }

  /** What curl printed: the status and headers of the last response, and stdout (with headers when -i). */
  record Outcome(int status, Map<String, String> headers, String stdout) {
    /** The body: stdout without the headers that {@code -i} prints first. */
    JsonNode json() throws Exception {
      int end = stdout.startsWith("HTTP/") ? stdout.lastIndexOf("\r\n\r\n") + 4 : 0;
      return Json.MAPPER.readTree(stdout.substring(end));
    }

    String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
  }

  interface Check {
    void accept(Outcome outcome) throws Exception;
  }

  interface Setup {
    Optional<String> id(TestApp server) throws Exception;
  }

  /** The example whose command contains {@code marker} runs against {@code server} after {@code setup}. */
  record Expectation(String marker, Server server, Setup setup, Check check) {
    Expectation(String marker, Server server, Check check) {
      this(marker, server, app -> Optional.empty(), check);
    }
  }

  @TempDir Path dir;

  final List<Expectation> expectations = List.of(
      new Expectation("server:8787/executions", Server.KEYED, o -> {
        assertEquals(200, o.status(), o.stdout());
        assertTrue(o.json().get("executions").isArray(), o.stdout());
      }),
      new Expectation("What is 2 + 2?", Server.PROTECTED, o -> {
        assertEquals(200, o.status(), o.stdout());
        assertEquals("4", o.json().get("result").asText());
        assertEquals("init", o.json().get("messages").get(0).get("subtype").asText());
        assertEquals("claude-sonnet-5-5", o.json().get("metadata").get("model_id").asText());
      }),
      new Expectation("Fix the bug in the login function", Server.PROTECTED, o -> {
        assertEquals(200, o.status(), o.stdout());
        var body = o.json();
        assertTrue(body.get("success").asBoolean(), o.stdout());
        assertTrue(body.get("diff").asText().contains("+    return password == stored"), o.stdout());
        assertTrue(body.get("verification").get("passed").asBoolean(), o.stdout());
        assertEquals("make test", body.get("verification").get("command").asText());
      }),
      new Expectation("Create a hello world Python script", Server.PROTECTED, o -> {
        assertEquals(200, o.status(), o.stdout());
        var body = o.json();
        assertTrue(body.get("diff").asText().contains("+++ b/hello.py"), o.stdout());
        assertTrue(body.get("logs").asText().contains("Hello, world!"), o.stdout());
        assertEquals("A hello.py", body.get("metadata").get("files").get(0).asText());
      }),
      new Expectation("-H \"X-API-Key: $KEY\" -i", Server.KEYED, o -> {
        assertEquals(200, o.status(), o.stdout());
        assertEquals("600", o.header("X-RateLimit-Limit"));
        assertTrue(o.stdout().contains("X-RateLimit-Remaining:"), "-i prints the headers: " + o.stdout());
      }),
      new Expectation("8787/executions -i ", Server.KEYED, o -> {
        assertEquals(401, o.status(), o.stdout());
        assertEquals("Bearer", o.header("WWW-Authenticate"));
      }),
      new Expectation("-X OPTIONS", Server.KEYED, o -> {
        assertEquals(204, o.status(), o.stdout());
        assertEquals("https://app.example.com", o.header("Access-Control-Allow-Origin"));
      }),
      new Expectation("Plan a three-step task", Server.PROTECTED, o -> {
        assertEquals(200, o.status(), o.stdout());
        assertTrue(o.header("Content-Type").startsWith("text/event-stream"), o.header("Content-Type"));
        assertTrue(o.stdout().contains("event: stream_event"), "partial messages were asked for: " + o.stdout());
        assertTrue(o.stdout().contains("event: result"), o.stdout());
      }),
      new Expectation("8787/tasks", Server.PROTECTED, o -> {
        assertEquals(202, o.status(), o.stdout());
        assertTrue(o.header("Location").startsWith("/executions/"), o.header("Location"));
      }),
      new Expectation("/events", Server.PROTECTED, o -> {
        assertEquals(200, o.status(), o.stdout());
        assertFalse(o.stdout().contains("\nid: 1\n") || o.stdout().startsWith("id: 1\n"), "replays after event 2: " + o.stdout());
        assertTrue(o.stdout().contains("event: result") && o.stdout().contains("Added README.md"), o.stdout());
      }),
      new Expectation("/cancel", Server.PROTECTED, app -> Optional.of(heldOpenExecution(app)), o -> {
        assertEquals(200, o.status(), o.stdout());
        assertEquals("cancelled", o.json().get("status").asText(), o.stdout());
      }));

  @Test
  void every_curl_command_in_the_readme_does_what_the_readme_says() throws Exception {
    SandboxTestingAccess.assumeBubblewrap();
    var commands = curlCommands(Files.readString(Path.of("README.md")));
    assertTrue(commands.size() >= expectations.size(), "README curl commands: " + commands);
    Path git = dir.resolve("git");
    repository(git.resolve("owner/repo.git"), Map.of(
        "login.py", "def login(password, stored):\n    return password != stored\n",
        "Makefile", "test:\n\tgrep -q 'password == stored' login.py\n"));
    repository(git.resolve("owner/name.git"), Map.of("main.py", "print('hi')\n"));
    try (var gitServer = GitHttpServer.serving(git);
         var open = TestApp.start(Map.of("GITHUB_URL", gitServer.url(""), "ALLOW_PRIVATE_NETWORKS", "true"));
         var keyed = TestApp.start(Map.of("API_KEYS", "readme:" + KEY + ":default",
             "CORS_ORIGINS", "https://app.example.com"))) {
      open.claude.respondWith(ReadmeTest::modelAnswer);
      keyed.claude.respondWith(ReadmeTest::modelAnswer);
      var unused = new LinkedHashSet<>(expectations);
      String id = null;
      for (String command : commands) {
        var matching = expectations.stream().filter(e -> command.contains(e.marker())).toList();
        assertEquals(1, matching.size(), "each README curl command needs exactly one expectation: " + command);
        Expectation expectation = matching.get(0);
        unused.remove(expectation);
        TestApp server = expectation.server() == Server.KEYED ? keyed : open;
        id = expectation.setup().id(server).orElse(id);
        Outcome outcome = curl(command, server, id);
        try {
          expectation.check().accept(outcome);
        } catch (AssertionError e) {
          throw new AssertionError("README example failed: " + command + "\n" + e.getMessage(), e);
        }
        if (outcome.header("Content-Type") != null && outcome.header("Content-Type").startsWith("application/json")
            && outcome.json().has("request_id")) {
          id = outcome.json().get("request_id").asText();
        }
      }
      assertTrue(unused.isEmpty(), "expectations no README command matched: " + unused.stream().map(Expectation::marker).toList());
    }
  }

  @Test
  void the_readme_documents_every_variable_error_code_route_and_request_field() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    var missing = new ArrayList<String>();
    try (var sources = Files.list(Path.of("src/main/java/sandboxexecutor/config"))) {
      for (Path source : sources.toList()) {
        Pattern.compile("\"([A-Z][A-Z0-9_]{2,})\"").matcher(Files.readString(source)).results()
            .map(m -> m.group(1)).filter(variable -> !readme.contains("| `" + variable + "`")
                && !readme.contains("/ `" + variable + "` |")).forEach(v -> missing.add("variable " + v));
      }
    }
    for (ErrorCode code : ErrorCode.values()) {
      if (!readme.contains("| `" + code + "` |")) missing.add("error code " + code);
    }
    JsonNode openapi;
    try (var in = getClass().getResourceAsStream("/openapi.json")) {
      openapi = Json.MAPPER.readTree(in);
    }
    for (String schema : List.of("SdkRequest", "SandboxRequest")) {
      var fields = openapi.get("components").get("schemas").get(schema).get("properties");
      fields.fieldNames().forEachRemaining(field -> {
        if (!field.equals("options") && !readme.contains("`" + field + "`")) missing.add(schema + " field " + field);
      });
      fields.get("options").get("properties").fieldNames().forEachRemaining(option -> {
        if (!readme.contains("`options." + option + "`") && !readme.contains("`" + option + "`")) {
          missing.add(schema + " option " + option);
        }
      });
    }
    openapi.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
      String route = method.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey();
      if (!method.equals("parameters") && !readme.contains("`" + route + "`")) missing.add("route " + route);
    }));
    assertEquals(List.of(), missing, "README.md does not document these");
  }

  /** The curl commands of the README's bash blocks, each with its continuation lines and multi-line quotes. */
  static List<String> curlCommands(String readme) {
    var out = new ArrayList<String>();
    var blocks = Pattern.compile("(?s)```bash\n(.*?)```").matcher(readme);
    while (blocks.find()) {
      for (String command : shellCommands(blocks.group(1))) {
        if (command.startsWith("curl ")) out.add(command);
      }
    }
    return out;
  }

  /** Splits shell text at newlines that are outside quotes and not escaped. */
  static List<String> shellCommands(String text) {
    var out = new ArrayList<String>();
    var current = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote == 0 && c == '\\' && i + 1 < text.length()) {
        current.append(c).append(text.charAt(++i));
        continue;
      }
      if (quote == 0 && (c == '\'' || c == '"')) quote = c;
      else if (c == quote) quote = 0;
      if (c == '\n' && quote == 0) {
        if (!current.toString().isBlank()) out.add(current.toString().strip());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    if (!current.toString().isBlank()) out.add(current.toString().strip());
    return out;
  }

  /** Runs {@code command} with bash; curl reads a curlrc that routes the README's addresses to {@code server}. */
  Outcome curl(String command, TestApp server, String id) throws Exception {
    Path home = Files.createTempDirectory(dir, "curl");
    Path headers = home.resolve("headers");
    String target = "127.0.0.1:" + server.app.port();
    Files.writeString(home.resolve(".curlrc"), String.join("\n",
        "connect-to = \"localhost:8787:" + target + "\"",
        "connect-to = \"server:8787:" + target + "\"",
        "silent", "show-error", "max-time = 120",
        "dump-header = \"" + headers + "\"", ""));
    var builder = new ProcessBuilder("bash", "-c", command).redirectError(home.resolve("stderr").toFile());
    builder.environment().clear();
    builder.environment().putAll(Map.of("PATH", System.getenv("PATH"), "HOME", home.toString(),
        "CURL_HOME", home.toString(), "KEY", KEY, "ID", id == null ? "" : id));
    Process process = builder.start();
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.waitFor(), "curl failed: " + command + "\n" + Files.readString(home.resolve("stderr")));
    String dumped = Files.readString(headers);
    var statuses = STATUS_LINE.matcher(dumped).results().toList();
    assertFalse(statuses.isEmpty(), "no response: " + command);
    var last = statuses.get(statuses.size() - 1);
    var headerMap = new TreeMap<String, String>();
    for (String line : dumped.substring(last.end()).split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) headerMap.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), line.substring(colon + 1).trim());
    }
    return new Outcome(Integer.parseInt(last.group(1)), headerMap, stdout);
  }

  /** What a model might answer to each README prompt, turn by turn. */
  static FakeAnthropic.Reply modelAnswer(FakeAnthropic.Request request) {
    String prompt = request.body().get("messages").get(0).toString();
    int turn = request.body().get("messages").size() / 2;
    if (prompt.contains("What is 2 + 2?")) return endTurn("4");
    if (prompt.contains("Plan a three-step task")) {
      return turn == 0 ? toolUse("t1", "TodoWrite", Map.of("todos", List.of(
          todo("Gather requirements"), todo("Build it"), todo("Test it")))) : endTurn("Planned three steps.");
    }
    if (prompt.contains("Create a hello world Python script")) {
      return switch (turn) {
        case 0 -> toolUse("w1", "Write", Map.of("file_path", "hello.py", "content", "print('Hello, world!')\n"));
        case 1 -> toolUse("b1", "Bash", Map.of("command", "python3 hello.py"));
        default -> endTurn("Created hello.py; it prints Hello, world!");
      };
    }
    if (prompt.contains("Fix the bug in the login function")) {
      return turn == 0 ? toolUse("e1", "Edit", Map.of("file_path", "login.py", "old_string", "password != stored",
          "new_string", "password == stored")) : endTurn("Fixed the comparison in login().");
    }
    if (prompt.contains("Add a README")) {
      return turn == 0 ? toolUse("w1", "Write", Map.of("file_path", "README.md", "content", "# name\n"))
          : endTurn("Added README.md.");
    }
    return endTurn("held open").withLatency(Duration.ofSeconds(60));
  }

  static Map<String, Object> todo(String content) {
    return Map.of("content", content, "status", "pending", "activeForm", content + "ing");
  }

  /** An execution that stays running until cancelled, for the cancel example. */
  static String heldOpenExecution(TestApp server) throws Exception {
    var accepted = server.post("/tasks", Map.of("prompt", "stay busy"));
    assertEquals(202, accepted.status(), accepted.raw());
    String id = accepted.json().get("request_id").asText();
    long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!"running".equals(server.get("/executions/" + id).json().path("status").asText())) {
      assertTrue(System.nanoTime() < until, "the execution never started running");
      Thread.sleep(20);
    }
    return id;
  }

  /** A bare repository at {@code bare} whose main branch holds {@code files}. */
  void repository(Path bare, Map<String, String> files) throws Exception {
    Path src = Files.createTempDirectory(dir, "src");
    TestGit.run(src, "init", "-q", "-b", "main");
    for (var file : files.entrySet()) Files.writeString(src.resolve(file.getKey()), file.getValue());
    TestGit.run(src, "add", ".");
    TestGit.run(src, "commit", "-q", "-m", "start");
    Files.createDirectories(bare.getParent());
    TestGit.run(dir, "clone", "-q", "--bare", src.toString(), bare.toString());
    TestGit.run(bare, "update-server-info");
  }
}
