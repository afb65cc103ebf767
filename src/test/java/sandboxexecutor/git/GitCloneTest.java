package sandboxexecutor.git;

import sandboxexecutor.testing.GitHttpServer;
import sandboxexecutor.testing.TestGit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sandboxexecutor.net.UrlGuard;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

class GitCloneTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String TOKEN = "ghp_testtoken123";

  @TempDir Path tmp;
  private final UrlGuard guard = new UrlGuard(true);
  private Path source;
  private GitHttpServer server;

  @BeforeEach
  void serveRepo() throws Exception {
    source = TestGit.sourceRepo(tmp.resolve("work"), tmp.resolve("root"));
    server = GitHttpServer.serving(tmp.resolve("root"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private RepoUrl repo(String path) {
    return RepoUrl.parse("repo", server.url(path), guard, RepoUrl.GITHUB);
  }

  @Test
  void clones_the_default_branch_with_its_files_and_head_commit() throws Exception {
    Path target = tmp.resolve("ws");
    CloneResult result = new GitClone(guard).clone(repo("repo.git"), null, target, TIMEOUT);

    assertEquals(new CloneResult("main", TestGit.run(source, "rev-parse", "main")), result);
    assertEquals("one\n", Files.readString(target.resolve("a.txt")));
    assertEquals("two\n", Files.readString(target.resolve("b.txt")));
    assertFalse(Files.exists(target.resolve("c.txt")));
    assertEquals("true", TestGit.run(target, "rev-parse", "--is-shallow-repository"));
  }

  @Test
  void clones_a_named_branch() throws Exception {
    Path target = tmp.resolve("ws");
    CloneResult result = new GitClone(guard).clone(repo("repo.git"), "feature", target, TIMEOUT);

    assertEquals(new CloneResult("feature", TestGit.run(source, "rev-parse", "feature")), result);
    assertEquals("three\n", Files.readString(target.resolve("c.txt")));
  }

  @Test
  void the_clone_has_no_hooks_and_no_remote_credentials() throws Exception {
    Path target = tmp.resolve("ws");
    new GitClone(guard).clone(repo("repo.git"), null, target, TIMEOUT);

    Path hooks = target.resolve(".git/hooks");
    assertTrue(!Files.exists(hooks) || isEmpty(hooks), "hooks: " + list(hooks));
    assertEquals(server.url("repo.git"), TestGit.run(target, "config", "remote.origin.url"));
  }

  @Test
  void an_unknown_branch_fails_with_clone_failed_and_gits_message() {
    var e = assertThrows(ExecutorException.class,
        () -> new GitClone(guard).clone(repo("repo.git"), "nope", tmp.resolve("ws"), TIMEOUT));
    assertEquals(ErrorCode.CLONE_FAILED, e.code());
    assertTrue(e.getMessage().startsWith("repo: cloning " + server.url("repo.git") + " (branch nope) failed: "), e.getMessage());
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
  }

  @Test
  void a_missing_repository_fails_with_clone_failed() {
    var e = assertThrows(ExecutorException.class,
        () -> new GitClone(guard).clone(repo("missing.git"), null, tmp.resolve("ws"), TIMEOUT));
    assertEquals(ErrorCode.CLONE_FAILED, e.code());
    assertTrue(e.getMessage().contains("missing.git"), e.getMessage());
  }

  @Test
  void an_unreachable_server_fails_with_clone_failed() throws Exception {
    int port;
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    var url = RepoUrl.parse("repo", "http://127.0.0.1:" + port + "/repo.git", guard, RepoUrl.GITHUB);
    var e = assertThrows(ExecutorException.class, () -> new GitClone(guard).clone(url, null, tmp.resolve("ws"), TIMEOUT));
    assertEquals(ErrorCode.CLONE_FAILED, e.code());
  }

  @Test
  void a_bad_branch_name_is_an_invalid_request() {
    var e = assertThrows(ExecutorException.class,
        () -> new GitClone(guard).clone(repo("repo.git"), "--upload-pack=touch /tmp/x", tmp.resolve("ws"), TIMEOUT));
    assertEquals(ErrorCode.INVALID_REQUEST, e.code());
    assertTrue(e.getMessage().startsWith("branch: "), e.getMessage());
    assertEquals(List.of(), server.requests());
  }

  @Test
  void a_loopback_host_is_refused_when_private_networks_are_off() {
    var strict = new UrlGuard(false);
    var url = new RepoUrl("https", "127.0.0.1", server.port(), "/repo.git");
    var e = assertThrows(ExecutorException.class, () -> new GitClone(strict).clone(url, null, tmp.resolve("ws"), TIMEOUT));
    assertEquals(ErrorCode.URL_NOT_ALLOWED, e.code());
    assertEquals(List.of(), server.requests());
    assertFalse(Files.exists(tmp.resolve("ws")));
  }

  @Test
  void git_connects_only_to_the_address_the_guard_checked() throws Exception {
    // the guard answers for "localhost" with an address where nothing listens; the system would say 127.0.0.1
    var pinned = new UrlGuard(true, host -> List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 9})));
    var url = RepoUrl.parse("repo", "http://localhost:" + server.port() + "/repo.git", pinned, RepoUrl.GITHUB);
    var e = assertThrows(ExecutorException.class, () -> new GitClone(pinned).clone(url, null, tmp.resolve("ws"), TIMEOUT));
    assertEquals(ErrorCode.CLONE_FAILED, e.code());
    assertEquals(List.of(), server.requests());

    var honest = new UrlGuard(true, host -> List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})));
    var ok = new GitClone(honest).clone(url, null, tmp.resolve("ws2"), TIMEOUT);
    assertEquals("main", ok.branch());
  }

  @Test
  void the_token_reaches_its_own_host_as_an_authorization_header_and_nowhere_in_the_clone() throws Exception {
    Path target = tmp.resolve("ws");
    new GitClone(guard, new GitToken(TOKEN, Set.of("127.0.0.1"))).clone(repo("repo.git"), null, target, TIMEOUT);

    String expected = "Basic " + Base64.getEncoder().encodeToString(("x-access-token:" + TOKEN).getBytes(StandardCharsets.UTF_8));
    assertFalse(server.requests().isEmpty());
    server.requests().forEach(r -> assertEquals(expected, r.authorization(), r.toString()));
    assertFalse(containsToken(target.resolve(".git")), ".git mentions the token");
  }

  @Test
  void the_token_is_not_sent_to_another_host() throws Exception {
    new GitClone(guard, new GitToken(TOKEN)).clone(repo("repo.git"), null, tmp.resolve("ws"), TIMEOUT);

    assertFalse(server.requests().isEmpty());
    server.requests().forEach(r -> assertEquals("", r.authorization(), r.toString()));
  }

  @Test
  void the_token_never_appears_in_a_clone_error() {
    var clone = new GitClone(guard, new GitToken(TOKEN, Set.of("127.0.0.1")));
    var e = assertThrows(ExecutorException.class, () -> clone.clone(repo("missing.git"), null, tmp.resolve("ws"), TIMEOUT));
    assertEquals(ErrorCode.CLONE_FAILED, e.code());
    assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
    assertFalse(e.getMessage().contains(new GitToken(TOKEN).basic()), e.getMessage());
  }

  @Test
  void a_server_that_never_answers_times_out_with_clone_failed() throws Exception {
    try (var hanging = GitHttpServer.hanging()) {
      var url = RepoUrl.parse("repo", hanging.url("repo.git"), guard, RepoUrl.GITHUB);
      long start = System.nanoTime();
      var e = assertThrows(ExecutorException.class,
          () -> new GitClone(guard).clone(url, null, tmp.resolve("ws"), Duration.ofSeconds(1)));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(ErrorCode.CLONE_FAILED, e.code());
      assertEquals("repo: cloning " + url + " timed out after 1 s", e.getMessage());
      assertTrue(millis < 6_000, "took " + millis + " ms");
    }
  }

  @Test
  void an_interrupt_stops_the_clone_and_is_rethrown() throws Exception {
    try (var hanging = GitHttpServer.hanging()) {
      var url = RepoUrl.parse("repo", hanging.url("repo.git"), guard, RepoUrl.GITHUB);
      var thrown = new AtomicReference<Throwable>();
      Thread worker = Thread.ofVirtual().start(() -> {
        try {
          new GitClone(guard).clone(url, null, tmp.resolve("ws"), TIMEOUT);
        } catch (Throwable t) {
          thrown.set(t);
        }
      });
      while (hanging.requests().isEmpty()) Thread.sleep(20);
      worker.interrupt();
      assertTrue(worker.join(Duration.ofSeconds(10)));
      assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
    }
  }

  @Test
  void init_makes_an_empty_repository_on_main() throws Exception {
    Path dir = tmp.resolve("empty");
    new GitClone(guard).init(dir);

    assertEquals("refs/heads/main", TestGit.run(dir, "symbolic-ref", "HEAD"));
    assertEquals("", TestGit.run(dir, "status", "--porcelain"));
    assertThrows(IOException.class, () -> TestGit.run(dir, "rev-parse", "--verify", "HEAD"));
    Path hooks = dir.resolve(".git/hooks");
    assertTrue(!Files.exists(hooks) || isEmpty(hooks), "hooks: " + list(hooks));
  }

  @Test
  void pin_lists_every_checked_address_for_the_host_and_port() throws Exception {
    var url = new RepoUrl("https", "example.com", -1, "/o/n.git");
    var addresses = List.of(InetAddress.getByAddress(new byte[] {93, (byte) 184, (byte) 215, 14}),
        InetAddress.getByAddress(new byte[] {0x26, 0x06, 0x28, 0, 0x02, 0x20, 0, 1, 0x2, 0x48, 0x18, (byte) 0x93, 0x25, (byte) 0xc8, 0x19, 0x46}));
    assertEquals("example.com:443:93.184.215.14,[2606:2800:220:1:248:1893:25c8:1946]", GitClone.pin(url, addresses));
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    if (!Files.exists(dir)) return List.of();
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.toList();
    }
  }

  private static boolean containsToken(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        if (text.contains(TOKEN) || text.contains(new GitToken(TOKEN).basic())) return true;
      }
    }
    return false;
  }
}
