package sandboxexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sandboxexecutor.testing.ServerProcess;

/** The real process, started as an operator would: bad configuration stops it with one line and exit code 2. */
class StartupTest {
  @TempDir Path dir;

  record Exit(int code, String output) {}

  @Test
  void a_malformed_instance_config_file_stops_start_up_with_one_line_naming_it() throws Exception {
    Path file = Files.writeString(dir.resolve("instances.json"), "{\"instances\": {\"acme\": {\"max_turns\": 5,}}}");
    var exit = run(Map.of("INSTANCE_CONFIG_FILE", file.toString()));
    assertConfigurationError(exit, "Configuration error: INSTANCE_CONFIG_FILE " + file + ": ");
  }

  @Test
  void a_public_host_without_keys_stops_start_up_with_one_line_saying_how_to_create_one() throws Exception {
    var exit = run(Map.of("HOST", "0.0.0.0"));
    assertConfigurationError(exit, "Configuration error: HOST=0.0.0.0 would expose the server without authentication");
    assertTrue(exit.output().contains("keys create <name> <instance_id>"), exit.output());
  }

  private static void assertConfigurationError(Exit exit, String start) {
    assertEquals(2, exit.code(), exit.output());
    assertTrue(exit.output().startsWith(start), exit.output());
    assertEquals(1, exit.output().strip().lines().count(), exit.output());
    assertFalse(exit.output().contains("Exception") || exit.output().contains("\tat "), exit.output());
  }

  /** The service in an empty directory, with only PATH inherited. */
  private Exit run(Map<String, String> env) throws Exception {
    var all = new HashMap<>(env);
    all.putAll(Map.of("DATA_DIR", dir.resolve("data").toString(), "PORT", "0"));
    Process process = ServerProcess.command(dir, all).redirectErrorStream(true).start();
    try {
      // the output is a line or a stack trace, far below the pipe's buffer: reading after the exit cannot block it
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "still running: the configuration was accepted");
      return new Exit(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } finally {
      process.destroyForcibly();
    }
  }
}
