package sandboxexecutor.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitProcessTest {
  @TempDir Path tmp;

  @Test
  void the_child_sees_only_the_environment_it_was_given() throws Exception {
    var outcome = GitProcess.run(List.of("/usr/bin/env"), Map.of("PATH", "/usr/bin:/bin", "HOME", "/nowhere"), tmp, tmp,
        Duration.ofSeconds(10));
    assertEquals(new GitProcess.Outcome(0, false, "", ""),
        new GitProcess.Outcome(outcome.exitCode(), outcome.timedOut(), "", outcome.stderr()));
    assertEquals(List.of("HOME=/nowhere", "PATH=/usr/bin:/bin"), outcome.stdout().lines().sorted().toList());
  }

  @Test
  void at_the_deadline_the_process_and_its_children_are_killed() throws Exception {
    Path pidFile = tmp.resolve("child.pid");
    var outcome = GitProcess.run(List.of("/bin/sh", "-c", "sleep 60 & echo $! > " + pidFile + "; wait"),
        Map.of("PATH", "/usr/bin:/bin"), tmp, tmp, Duration.ofMillis(500));
    assertEquals(new GitProcess.Outcome(-1, true, "", ""), outcome);
    long child = Long.parseLong(Files.readString(pidFile).strip());
    Thread.sleep(200);  // the kill signal is delivered asynchronously
    assertFalse(running(child), "child " + child + " still running");
  }

  /** A killed orphan may stay a zombie until init reaps it; that counts as dead. */
  private static boolean running(long pid) throws Exception {
    Path stat = Path.of("/proc/" + pid + "/stat");
    if (!Files.exists(stat)) return false;
    String text = Files.readString(stat);
    char state = text.charAt(text.lastIndexOf(')') + 2);
    return state != 'Z' && state != 'X';
  }
}
