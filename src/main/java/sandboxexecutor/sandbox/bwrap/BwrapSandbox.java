package sandboxexecutor.sandbox.bwrap;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import sandboxexecutor.sandbox.Command;
import sandboxexecutor.sandbox.CommandResult;
import sandboxexecutor.sandbox.OutputListener;
import sandboxexecutor.sandbox.Sandbox;

/**
 * A bubblewrap sandbox: every {@link #run} spawns one bwrap confined by the sandbox's {@link BwrapPolicy}. The
 * command is bwrap's pid-namespace child, so when it exits, times out or is cancelled nothing it started lives on.
 */
public final class BwrapSandbox implements Sandbox {
  /** How long to wait for output after the tree is gone; pipes end with their last writer, so this is slack. */
  private static final Duration DRAIN_WAIT = Duration.ofSeconds(1);

  private final String id;
  private final Path hostRoot;
  private final BwrapPolicy policy;
  private final boolean keepWorkspace;
  private final Runnable onClose;
  private final Set<Running> running = ConcurrentHashMap.newKeySet();
  private final ReentrantLock handOver = new ReentrantLock();
  private volatile boolean handedOver;
  private volatile boolean closed;

  /**
   * @param hostRoot the sandbox's own host directory, holding {@code policy.hostWorkspace()} and
   *                 {@code policy.hostTmp()}; deleted on close unless {@code keepWorkspace}
   * @param onClose  runs once on close (the backend frees the sandbox's uid)
   */
  BwrapSandbox(String id, Path hostRoot, BwrapPolicy policy, boolean keepWorkspace, Runnable onClose) {
    this.id = id;
    this.hostRoot = hostRoot;
    this.policy = policy;
    this.keepWorkspace = keepWorkspace;
    this.onClose = onClose;
  }

  @Override
  public String workdir() {
    return policy.workdir();
  }

  @Override
  public Path hostWorkspace() {
    return policy.hostWorkspace();
  }

  /** The confinement every command gets (for diagnostics and tests). */
  public BwrapPolicy policy() {
    return policy;
  }

  @Override
  public CommandResult run(Command command, OutputListener output) throws IOException, InterruptedException {
    if (closed) throw new IOException("sandbox " + id + " is closed");
    handOverWorkspace();
    boolean coverHooks = coverGitHooks();
    var builder = new ProcessBuilder(BwrapArgs.of(policy, command, coverHooks)).directory(new java.io.File("/"));
    builder.environment().clear();   // nothing of the service's environment reaches setpriv, prlimit or bwrap
    Duration timeout = min(command.timeout(), policy.limits().commandTimeout());

    long started = System.nanoTime();
    var tree = new Running(new ProcessTree(builder.start()));
    running.add(tree);
    try {
      if (closed) tree.cancel();
      Process process = tree.process();
      feed(process.getOutputStream(), command.stdin());
      int cap = policy.limits().maxOutputBytes();
      var stdout = StreamPump.start(process.getInputStream(), OutputListener.Stream.STDOUT, output, cap);
      var stderr = StreamPump.start(process.getErrorStream(), OutputListener.Stream.STDERR, output, cap);

      ExitCause stopped = null;
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        tree.tree().kill();
        stopped = ExitCause.timedOut(timeout);
      }
      if (tree.cancelled()) stopped = ExitCause.cancelled();
      var out = stdout.await(DRAIN_WAIT);
      var err = stderr.await(DRAIN_WAIT);
      int exitCode = process.exitValue();
      ExitCause cause = stopped != null ? stopped : ExitCause.of(exitCode, err.text(), policy.limits());
      return new CommandResult(exitCode, out.text(), err.text(), out.truncated() || err.truncated(),
          cause.termination(), Duration.ofNanos(System.nanoTime() - started), cause.reason());
    } finally {
      tree.tree().close();   // on interrupt (and any failure) the tree dies before we return
      running.remove(tree);
    }
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    running.forEach(Running::cancel);
    try {
      if (!keepWorkspace) WorkspaceTree.delete(hostRoot);
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete sandbox directory " + hostRoot, e);
    } finally {
      onClose.run();
    }
  }

  /**
   * The service fills the workspace (git clone) as its own user before the first command; when commands run as
   * a dedicated uid, the files become that uid's once, before any sandbox process exists.
   */
  private void handOverWorkspace() throws IOException {
    if (handedOver || policy.runAs().isEmpty()) return;
    handOver.lock();
    try {
      if (handedOver) return;
      WorkspaceTree.chown(policy.hostWorkspace(), policy.runAs().get());
      handedOver = true;
    } finally {
      handOver.unlock();
    }
  }

  /**
   * Whether to lay the empty read-only directory over .git/hooks: when .git is a directory and hooks is a
   * directory or missing (bwrap then creates it). A hooks symlink or file is left alone, because binding onto
   * it would make bwrap fail and brick the sandbox. Only stat calls, nothing followed. This is defence in
   * depth: hooks planted elsewhere (a renamed .git) are only harmless because host-side git disables hooks.
   */
  private boolean coverGitHooks() {
    Path git = policy.hostWorkspace().resolve(".git");
    if (!Files.isDirectory(git, LinkOption.NOFOLLOW_LINKS)) return false;
    Path hooks = git.resolve("hooks");
    return Files.isDirectory(hooks, LinkOption.NOFOLLOW_LINKS) || !Files.exists(hooks, LinkOption.NOFOLLOW_LINKS);
  }

  private static void feed(OutputStream stdin, byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      closeQuietly(stdin);
      return;
    }
    // its own thread: a command that does not read stdin must not block the wait for its deadline
    Thread.ofVirtual().name("sandbox-stdin").start(() -> {
      try (stdin) {
        stdin.write(bytes);
      } catch (IOException e) {
        // the command exited without reading everything: that is its business
      }
    });
  }

  private static void closeQuietly(OutputStream stream) {
    try {
      stream.close();
    } catch (IOException ignored) {
      // nothing was written
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** A command in flight; {@link #cancel} is how close() stops it. */
  private static final class Running {
    private final ProcessTree tree;
    private volatile boolean cancelled;

    Running(ProcessTree tree) {
      this.tree = tree;
    }

    ProcessTree tree() {
      return tree;
    }

    Process process() {
      return tree.process();
    }

    boolean cancelled() {
      return cancelled;
    }

    void cancel() {
      cancelled = true;
      tree.kill();
    }
  }
}
