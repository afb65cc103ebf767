package sandboxexecutor.sandbox.bwrap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A spawned bwrap and everything under it. Killing bwrap alone would do in principle (its pid-namespace init
 * has PDEATHSIG=SIGKILL via --die-with-parent, and the kernel kills a namespace whose init dies), but then
 * the init is orphaned and left as a zombie for the host's pid 1. So the namespace is killed first and bwrap
 * reaps it and exits; bwrap itself is killed only if it lingers. kill() returns once every process is gone.
 */
final class ProcessTree implements AutoCloseable {
  private static final Duration BWRAP_EXIT_WAIT = Duration.ofMillis(300);
  private static final Duration GONE_WAIT = Duration.ofSeconds(2);

  private final Process process;

  ProcessTree(Process process) {
    this.process = process;
  }

  Process process() {
    return process;
  }

  /** Kills the whole tree and waits (bounded, uninterruptibly) until it is gone. */
  void kill() {
    boolean interrupted = Thread.interrupted();
    try {
      killAndWait();
    } finally {
      // an interrupt is kept for the caller, not acted on: the kill must finish either way
      if (interrupted || Thread.interrupted()) Thread.currentThread().interrupt();
    }
  }

  private void killAndWait() {
    List<ProcessHandle> descendants = process.descendants().toList();
    descendants.forEach(ProcessHandle::destroyForcibly);
    if (descendants.isEmpty() || !exitsWithin(BWRAP_EXIT_WAIT)) process.destroyForcibly();
    long deadline = System.nanoTime() + GONE_WAIT.toNanos();
    while (System.nanoTime() < deadline && (process.isAlive() || !descendants.stream().allMatch(ProcessTree::gone))) {
      pause();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) kill();
  }

  /** Dead, or a zombie waiting for a parent to reap it: either way it runs nothing any more. */
  private static boolean gone(ProcessHandle handle) {
    if (!handle.isAlive()) return true;
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state == 'Z' || state == 'X';
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  private boolean exitsWithin(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) return true;
      pause();
    }
    return !process.isAlive();
  }

  private static void pause() {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
    while (System.nanoTime() < until) LockSupport.parkNanos(until - System.nanoTime());   // ignores interrupts
  }
}
