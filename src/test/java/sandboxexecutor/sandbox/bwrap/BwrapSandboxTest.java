package sandboxexecutor.sandbox.bwrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.sandbox.Command;
import sandboxexecutor.sandbox.Sandbox;
import sandboxexecutor.sandbox.SandboxContract;
import sandboxexecutor.sandbox.SandboxLimits;
import sandboxexecutor.sandbox.SandboxSpec;

class BwrapSandboxTest extends SandboxContract {
  private static Path root;
  private static BwrapBackend backend;

  @BeforeAll
  static void startBackend() throws IOException {
    root = BwrapTesting.workspacesRoot();
    backend = new BwrapBackend(BwrapSettings.defaults(root).withNetworkAllowed(true));
    BwrapTesting.assumeUsable(backend);
  }

  @AfterAll
  static void removeRoot() throws IOException {
    if (root != null) WorkspaceTree.delete(root.getParent());
  }

  @Override
  protected Sandbox newSandbox(SandboxSpec spec) throws IOException {
    return backend.create(spec);
  }

  @Override
  protected boolean limitsProcesses() {
    return backend.dropsPrivileges();
  }

  @Override
  protected Set<String> baseEnvironment() {
    return Set.of("PATH", "HOME", "TMPDIR", "LANG", "TERM");
  }

  @Test
  void the_backend_reports_itself_usable() {
    assertTrue(backend.availability().usable(), backend.availability().detail());
  }

  @Test
  void commands_run_as_an_unprivileged_uid_that_owns_the_workspace_files() throws Exception {
    assumeTrue(backend.dropsPrivileges(), "only when the tests run as root");
    BwrapSandbox sandbox = (BwrapSandbox) sandbox();
    int uid = sandbox.policy().runAs().orElseThrow().uid();
    assertTrue(uid >= BwrapSettings.DEFAULT_FIRST_UID, "uid " + uid);
    assertEquals(uid + "\n", sandbox.run(Command.of(SHORT, "id", "-u")).stdout());
    assertTrue(sh(sandbox, "echo x > owned.txt").ok());
    assertEquals(uid, Files.getAttribute(sandbox.hostWorkspace().resolve("owned.txt"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void concurrent_sandboxes_get_different_uids() throws Exception {
    assumeTrue(backend.dropsPrivileges(), "only when the tests run as root");
    BwrapSandbox first = (BwrapSandbox) sandbox();
    BwrapSandbox second = (BwrapSandbox) sandbox();
    assertNotEquals(first.policy().runAs(), second.policy().runAs());
  }

  @Test
  void files_the_host_put_in_the_workspace_become_the_sandbox_users() throws Exception {
    Sandbox sandbox = sandbox();
    Path cloned = Files.createDirectories(sandbox.hostWorkspace().resolve("src/main"));
    Files.writeString(cloned.resolve("App.java"), "class App {}\n");
    assertTrue(sh(sandbox, "echo '// edited' >> src/main/App.java && touch src/main/New.java").ok());
    assertEquals("class App {}\n// edited\n", Files.readString(cloned.resolve("App.java")));
  }

  @Test
  void a_hooks_symlink_does_not_break_the_sandbox() throws Exception {
    Sandbox sandbox = sandbox();
    assertTrue(sh(sandbox, "mkdir .git && ln -s /etc .git/hooks").ok());
    assertEquals("ok\n", sandbox.run(Command.of(SHORT, "echo", "ok")).stdout());
  }

  @Test
  void asking_for_network_is_refused_when_the_operator_denies_it() throws IOException {
    var denying = new BwrapBackend(BwrapSettings.defaults(root));
    var spec = new SandboxSpec("wants-network", SandboxLimits.DEFAULTS, true, Map.of());
    var refused = assertThrows(ExecutorException.class, () -> denying.create(spec));
    assertEquals(ErrorCode.INVALID_REQUEST, refused.code());
  }

  @Test
  void keep_workspaces_leaves_the_directory_after_close() throws Exception {
    var keeping = new BwrapBackend(BwrapSettings.defaults(root).withKeepWorkspaces(true));
    Sandbox sandbox = keeping.create(new SandboxSpec("kept", SandboxLimits.DEFAULTS, false, Map.of()));
    assertTrue(sh(sandbox, "echo x > f").ok());
    sandbox.close();
    assertTrue(Files.exists(sandbox.hostWorkspace().resolve("f")));
  }
}
