package sandboxexecutor.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import sandboxexecutor.sandbox.Command;
import sandboxexecutor.sandbox.CommandResult;
import sandboxexecutor.sandbox.Sandbox;

/**
 * The diff of everything the agent changed, computed INSIDE the sandbox: once the agent has run, its
 * {@code .git/config}, attributes and hooks are untrusted, and the host never runs git on the workspace again.
 * Whatever they make git execute (fsmonitor, filters, a pager) runs contained. The flags below still turn
 * those off so the patch is plain: no external diff, no textconv, no colour, binary files as a marker line.
 */
public final class GitDiff {
  /** @param files paths with their git status letter, e.g. {@code M src/a.py}; {@code truncated}: patch cut at the cap */
  public record Diff(String patch, List<String> files, boolean truncated, String error) {
    public static Diff failed(String error) {
      return new Diff("", List.of(), false, error);
    }
  }

  private static final List<String> GIT = List.of("git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
      "-c", "core.pager=cat", "-c", "diff.external=", "-c", "core.quotepath=off", "-c", "color.ui=false");

  private GitDiff() {}

  public static Diff collect(Sandbox sandbox, Duration timeout, int maxPatchBytes) throws IOException, InterruptedException {
    CommandResult staged = sandbox.run(git(timeout, "add", "--all", "--", "."));
    if (!staged.ok()) return Diff.failed("git add failed: " + firstLine(staged.stderr()));
    CommandResult names = sandbox.run(git(timeout, "diff", "--cached", "--name-status", "--find-renames", "--no-ext-diff"));
    if (!names.ok()) return Diff.failed("git diff failed: " + firstLine(names.stderr()));
    var files = new ArrayList<String>();
    for (String line : names.stdout().split("\n")) {
      if (!line.isBlank()) files.add(line.replace('\t', ' '));
    }
    CommandResult patch = sandbox.run(git(timeout, "diff", "--cached", "--find-renames", "--no-ext-diff", "--no-textconv",
        "--no-color", "--full-index"));
    if (!patch.ok() && !patch.truncated()) return Diff.failed("git diff failed: " + firstLine(patch.stderr()));
    String text = patch.stdout();
    boolean truncated = patch.truncated();
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > maxPatchBytes) {
      text = new String(bytes, 0, maxPatchBytes, StandardCharsets.UTF_8) + "\n[... diff truncated at " + maxPatchBytes + " bytes ...]\n";
      truncated = true;
    }
    return new Diff(text, files, truncated, null);
  }

  private static Command git(Duration timeout, String... args) {
    var argv = new ArrayList<>(GIT);
    argv.addAll(List.of(args));
    return new Command(argv, null, java.util.Map.of(), null, timeout);
  }

  private static String firstLine(String s) {
    String line = s.strip().lines().findFirst().orElse("");
    return line.isEmpty() ? "(no output)" : line;
  }
}
