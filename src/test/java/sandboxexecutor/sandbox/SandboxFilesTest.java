package sandboxexecutor.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sandboxexecutor.sandbox.bwrap.BwrapBackend;
import sandboxexecutor.sandbox.bwrap.BwrapSandbox;
import sandboxexecutor.sandbox.bwrap.BwrapSettings;
import sandboxexecutor.sandbox.bwrap.BwrapTesting;

class SandboxFilesTest {
  private static Path root;
  private static BwrapBackend backend;
  private static int counter;
  private BwrapSandbox sandbox;
  private SandboxFiles files;

  @BeforeAll
  static void startBackend() throws IOException {
    root = BwrapTesting.workspacesRoot();
    backend = new BwrapBackend(BwrapSettings.defaults(root));
    BwrapTesting.assumeUsable(backend);
  }

  @AfterAll
  static void removeRoot() throws IOException {
    if (root == null) return;
    try (var paths = Files.walk(root.getParent())) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @BeforeEach
  void createSandbox() throws IOException {
    sandbox = backend.create(new SandboxSpec("files" + counter++, SandboxLimits.DEFAULTS, false, Map.of()));
    files = new SandboxFiles(sandbox, Duration.ofSeconds(10));
  }

  @AfterEach
  void closeSandbox() {
    sandbox.close();
  }

  @Test
  void written_bytes_read_back_identically_even_binary_and_large() throws Exception {
    byte[] content = new byte[200_000];   // several read chunks, every byte value
    new Random(42).nextBytes(content);
    files.write("data/blob.bin", content);
    assertArrayEquals(content, files.read("data/blob.bin", 1_000_000));
    assertArrayEquals(content, Files.readAllBytes(sandbox.hostWorkspace().resolve("data/blob.bin")));
  }

  @Test
  void write_creates_parents_and_the_file_belongs_to_the_sandbox_user() throws Exception {
    files.write("/workspace/a/b/c.txt", "hi\n".getBytes(StandardCharsets.UTF_8));
    Path written = sandbox.hostWorkspace().resolve("a/b/c.txt");
    assertEquals("hi\n", Files.readString(written));
    int expectedOwner = sandbox.policy().runAs().map(id -> id.uid())
        .orElse((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    assertEquals(expectedOwner, Files.getAttribute(written, "unix:uid", LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void empty_files_read_as_empty() throws Exception {
    files.write("empty", new byte[0]);
    assertArrayEquals(new byte[0], files.read("empty", 10));
  }

  @Test
  void resolve_gives_the_real_absolute_path_inside_the_workdir() throws Exception {
    files.write("real/file.txt", new byte[0]);
    sandbox.run(Command.of(Duration.ofSeconds(5), "ln", "-s", "real", "alias"));
    assertEquals("/workspace/real/file.txt", files.resolve("alias/file.txt"));
    assertEquals("/workspace/new/not-yet.txt", files.resolve("./new/../new/not-yet.txt"));
    assertEquals("/workspace", files.resolve("."));
  }

  @Test
  void a_symlink_out_of_the_workspace_is_refused() throws Exception {
    sandbox.run(Command.of(Duration.ofSeconds(5), "ln", "-s", "/etc", "x"));
    var refused = assertThrows(AccessDeniedException.class, () -> files.read("x/passwd", 1_000_000));
    assertTrue(refused.getMessage().contains("outside the workspace"), refused.getMessage());
    assertThrows(AccessDeniedException.class, () -> files.write("x/evil", new byte[1]));
  }

  @Test
  void paths_outside_the_workspace_are_refused() {
    assertThrows(AccessDeniedException.class, () -> files.read("/etc/passwd", 1_000_000));
    assertThrows(AccessDeniedException.class, () -> files.read("../../etc/passwd", 1_000_000));
    assertThrows(AccessDeniedException.class, () -> files.write("/tmp/elsewhere", new byte[1]));
    assertThrows(AccessDeniedException.class, () -> files.exists("/usr/bin/env"));
    assertThrows(AccessDeniedException.class, () -> files.directory("/usr"));
  }

  @Test
  void paths_are_data_not_shell_code() throws Exception {
    String tricky = "we$(touch pwned)ird 'name\" `id`;.txt";
    files.write(tricky, "ok".getBytes(StandardCharsets.UTF_8));
    assertEquals("ok", new String(files.read(tricky, 100), StandardCharsets.UTF_8));
    assertFalse(Files.exists(sandbox.hostWorkspace().resolve("pwned")));
    assertTrue(Files.exists(sandbox.hostWorkspace().resolve(tricky)));
  }

  @Test
  void missing_directories_and_oversized_files_fail_clearly() throws Exception {
    assertThrows(NoSuchFileException.class, () -> files.read("nope.txt", 100));
    files.write("dir/f", new byte[0]);
    var directory = assertThrows(FileSystemException.class, () -> files.read("dir", 100));
    assertTrue(directory.getMessage().contains("directory"), directory.getMessage());
    files.write("big", new byte[101]);
    var tooBig = assertThrows(FileSystemException.class, () -> files.read("big", 100));
    assertTrue(tooBig.getMessage().contains("101 bytes"), tooBig.getMessage());
  }

  @Test
  void exists_and_directory_answer_inside_the_sandbox() throws Exception {
    files.write("dir/f", new byte[0]);
    assertTrue(files.exists("dir/f"));
    assertEquals("/workspace/dir", files.directory("./dir/../dir"));
    assertNull(files.directory("dir/f"));
    assertFalse(files.exists("dir/missing"));
  }
}
