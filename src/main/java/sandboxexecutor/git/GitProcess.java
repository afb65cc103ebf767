package sandboxexecutor.git;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of the git CLI: an argument list (never a shell string), an environment built from nothing, output
 * captured to files (so a chatty git cannot block on a full pipe) and read back bounded, and a deadline after
 * which git and every process it started are killed. Closing kills the tree too.
 */
final class GitProcess implements AutoCloseable {
  /** Output beyond this is dropped; git's messages that matter are short. */
  static final int MAX_OUTPUT = 64 * 1024;

  record Outcome(int exitCode, boolean timedOut, String stdout, String stderr) {
    boolean succeeded() {
      return !timedOut && exitCode == 0;
    }
  }

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private GitProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Runs {@code argv} in {@code workDir} with exactly {@code env} as its environment, using {@code scratch} for
   * the output files, and waits at most {@code timeout}. Interrupted: the tree is killed and the interrupt
   * rethrown.
   */
  static Outcome run(List<String> argv, Map<String, String> env, Path workDir, Path scratch, Duration timeout)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile(scratch, "git", ".out");
    Path err = Files.createTempFile(scratch, "git", ".err");
    var builder = new ProcessBuilder(argv).directory(workDir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().clear();  // the service's own environment holds secrets such as ANTHROPIC_API_KEY
    builder.environment().putAll(env);
    try (var git = new GitProcess(builder.start(), out, err)) {
      return git.await(timeout);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private Outcome await(Duration timeout) throws IOException, InterruptedException {
    boolean exited = process.waitFor(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
    if (!exited) {
      close();
      return new Outcome(-1, true, read(stdout), read(stderr));
    }
    return new Outcome(process.exitValue(), false, read(stdout), read(stderr));
  }

  private static String read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readNBytes(MAX_OUTPUT), StandardCharsets.UTF_8);
    }
  }

  /** Kills git and its children (remote helpers, index-pack); children first, while they are still findable. */
  @Override
  public void close() {
    if (!process.isAlive()) return;
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();  // keep the interrupt for the caller; the kill has been sent
    }
  }
}
