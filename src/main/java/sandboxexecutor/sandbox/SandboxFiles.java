package sandboxexecutor.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * File operations for the coding tools, done inside the sandbox with {@link Sandbox#run}: the host never
 * follows a path in the workspace, so a symlink the agent planted can at most reach what the sandbox itself
 * sees, and files get the sandbox user as owner. Paths are relative to the workdir or absolute inside it; a
 * path whose real location (symlinks resolved in the sandbox) is outside the workdir is refused. Paths travel
 * as separate arguments to fixed {@code sh} scripts, never as shell text.
 * Failures are {@link java.nio.file.FileSystemException}s whose message the model can act on.
 */
public final class SandboxFiles {
  /** Raw bytes read per command: their base64 (4/3) plus the header stays under the default output cap. */
  static final int CHUNK_BYTES = 48 * 1024;

  private static final String RESOLVE = """
      r=$(realpath -m -- "$1") || exit 9
      printf '%s\\0' "$r"
      case "$r" in "$2"|"$2"/*) ;; *) exit 7;; esac
      """;
  private static final String READ = RESOLVE + """
      [ -e "$r" ] || exit 3
      [ -d "$r" ] && exit 4
      [ -f "$r" ] || exit 6
      [ -r "$r" ] || exit 5
      s=$(stat -L -c %s -- "$r") || exit 9
      printf '%s\\0' "$s"
      [ "$s" -le "$5" ] || exit 8
      tail -c +"$3" -- "$r" | head -c "$4" | base64 -w0
      """;
  private static final String WRITE = RESOLVE + """
      [ -d "$r" ] && exit 4
      mkdir -p -- "$(dirname -- "$r")" || exit 9
      cat > "$r"
      """;
  private static final String TEST = RESOLVE + """
      test "$3" "$r"
      """;

  private final Sandbox sandbox;
  private final Duration timeout;

  public SandboxFiles(Sandbox sandbox, Duration timeout) {
    this.sandbox = sandbox;
    this.timeout = timeout;
  }

  /** The absolute path inside the sandbox that {@code path} really names; refused when outside the workdir. */
  public String resolve(String path) throws IOException, InterruptedException {
    return fields(path, script(RESOLVE, path), null).getFirst();
  }

  /** The whole file; fails when it is larger than {@code maxBytes}. */
  public byte[] read(String path, long maxBytes) throws IOException, InterruptedException {
    var content = new ByteArrayOutputStream();
    long size;
    do {
      int offset = content.size();
      List<String> fields = fields(path, script(READ, path, Long.toString(offset + 1L), Integer.toString(CHUNK_BYTES),
          Long.toString(maxBytes)), maxBytes);
      size = Long.parseLong(fields.get(1));
      byte[] chunk = Base64.getDecoder().decode(fields.get(2));
      if (chunk.length == 0) break;   // the file shrank while we read it
      content.writeBytes(chunk);
    } while (content.size() < size);
    return content.toByteArray();
  }

  /** Creates or replaces the file (and its missing parent directories). */
  public void write(String path, byte[] content) throws IOException, InterruptedException {
    fields(path, script(WRITE, path).withStdin(content), null);
  }

  public boolean exists(String path) throws IOException, InterruptedException {
    return test(path, "-e") != null;
  }

  /** What {@link #resolve} answers, when that is a directory (else null): one sandbox run, not two. */
  public String directory(String path) throws IOException, InterruptedException {
    return test(path, "-d");
  }

  /** The real path when {@code test flag} holds for it, null when not; refused when outside the workdir. */
  private String test(String path, String flag) throws IOException, InterruptedException {
    CommandResult result = sandbox.run(script(TEST, path, flag));
    if (result.termination() == CommandResult.Termination.EXITED && result.exitCode() == 1) return null;
    return fields(path, result, null).getFirst();
  }

  private Command script(String script, String path, String... more) {
    if (path == null || path.isEmpty()) throw new IllegalArgumentException("empty path");
    if (path.indexOf('\0') >= 0) throw new IllegalArgumentException("path contains a NUL byte");
    var argv = new ArrayList<>(List.of("/bin/sh", "-c", script, "sh", path, sandbox.workdir()));
    argv.addAll(List.of(more));
    return new Command(argv, null, Map.of(), null, timeout);
  }

  private List<String> fields(String path, Command command, Long maxBytes) throws IOException, InterruptedException {
    return fields(path, sandbox.run(command), maxBytes);
  }

  /** Checks the outcome of a script and splits its NUL-separated output. */
  private List<String> fields(String path, CommandResult result, Long maxBytes) throws IOException {
    List<String> fields = List.of(result.stdout().split("\0", -1));
    String resolved = fields.getFirst();
    if (result.termination() != CommandResult.Termination.EXITED) {
      throw new FileSystemException(path, null, "file operation stopped: " + result.reason());
    }
    if (result.truncated()) throw new FileSystemException(path, null, "file operation output exceeded the sandbox's output cap");
    switch (result.exitCode()) {
      case 0 -> { }
      case 3 -> throw new NoSuchFileException(path, null, "no such file in the sandbox");
      case 4 -> throw new FileSystemException(path, null, "is a directory");
      case 5 -> throw new AccessDeniedException(path, null, "not readable");
      case 6 -> throw new FileSystemException(path, null, "not a regular file");
      case 7 -> throw new AccessDeniedException(path, null,
          "refused: resolves to " + resolved + ", outside the workspace " + sandbox.workdir());
      case 8 -> throw new FileSystemException(path, null,
          "file is " + fields.get(1) + " bytes, more than the limit of " + maxBytes);
      default -> throw new FileSystemException(path, null,
          "file operation failed (exit " + result.exitCode() + "): " + result.stderr().strip());
    }
    // checked again here: the script's own check is the first line, not the only one
    if (!resolved.equals(sandbox.workdir()) && !resolved.startsWith(sandbox.workdir() + "/")) {
      throw new AccessDeniedException(path, null, "refused: resolves to " + resolved + ", outside the workspace");
    }
    return fields;
  }
}
