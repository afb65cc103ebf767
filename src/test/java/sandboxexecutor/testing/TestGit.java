package sandboxexecutor.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs git for test setup, isolated from the user's and the system's git config. */
public final class TestGit {
  private TestGit() {}

  public static String run(Path dir, String... args) throws IOException, InterruptedException {
    var argv = new ArrayList<>(List.of("git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid",
        "-c", "commit.gpgsign=false"));
    argv.addAll(List.of(args));
    var builder = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    builder.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) throw new IOException("git " + String.join(" ", args) + " failed: " + output);
    return output.strip();
  }

  public static String execPath() throws IOException, InterruptedException {
    return run(Path.of("."), "--exec-path");
  }

  /**
   * A bare repository {@code <root>/repo.git} whose default branch {@code main} has two commits (a.txt, b.txt)
   * and whose branch {@code feature} adds c.txt. Returns the source working repo.
   */
  public static Path sourceRepo(Path work, Path root) throws IOException, InterruptedException {
    Path src = Files.createDirectories(work.resolve("src"));
    run(src, "init", "-q", "-b", "main");
    Files.writeString(src.resolve("a.txt"), "one\n");
    run(src, "add", "a.txt");
    run(src, "commit", "-q", "-m", "first");
    Files.writeString(src.resolve("b.txt"), "two\n");
    run(src, "add", "b.txt");
    run(src, "commit", "-q", "-m", "second");
    run(src, "checkout", "-q", "-b", "feature");
    Files.writeString(src.resolve("c.txt"), "three\n");
    run(src, "add", "c.txt");
    run(src, "commit", "-q", "-m", "feature");
    run(src, "checkout", "-q", "main");
    Files.createDirectories(root);
    run(work, "clone", "-q", "--bare", src.toString(), root.resolve("repo.git").toString());
    run(root.resolve("repo.git"), "update-server-info");
    return src;
  }
}
