package sandboxexecutor.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static sandboxexecutor.testing.FakeAnthropic.endTurn;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sandboxexecutor.testing.FakeAnthropic;
import sandboxexecutor.testing.ServerProcess;

/** The server process is killed with SIGKILL mid-execution and restarted: the record ends interrupted. */
class CrashRecoveryTest {
  @TempDir Path data;

  @Test
  void an_execution_running_when_the_process_is_killed_is_interrupted_after_restart() throws Exception {
    try (var claude = new FakeAnthropic()) {
      claude.respondWith(request -> endTurn("too late").withLatency(Duration.ofSeconds(30)));
      var env = Map.of("ANTHROPIC_BASE_URL", claude.url());
      String id;
      try (var server = ServerProcess.start(data, env)) {
        var accepted = server.client().post("/execute/sdk", "{\"prompt\":\"crash during me\",\"async\":true}").json();
        id = accepted.get("request_id").asText();
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!"running".equals(server.client().get("/executions/" + id).json().path("status").asText())) {
          assertTrue(System.nanoTime() < until, "never started running");
          Thread.sleep(50);
        }
        server.kill();
      }
      try (var again = ServerProcess.start(data, env)) {
        JsonNode record = again.client().get("/executions/" + id).json();
        assertEquals("interrupted", record.get("status").asText(), record.toString());
        assertEquals("INTERRUPTED", record.get("error_code").asText());
        assertEquals(0, again.client().get("/executions?status=running").json().get("executions").size(),
            "nothing is stuck running");
      }
    }
  }
}
