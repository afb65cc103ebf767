package sandboxexecutor.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs agent loops under their deadlines and keeps track of the live ones, so shutdown can stop them all.
 * One scheduler thread fires deadlines; the runs themselves execute on the caller's (virtual) thread.
 */
public final class Runner implements AutoCloseable {
  private final AgentLoop loop;
  private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "run-deadlines");
    t.setDaemon(true);
    return t;
  });
  private final Set<RunControl> live = ConcurrentHashMap.newKeySet();

  public Runner(AgentLoop loop) {
    this.loop = loop;
  }

  public RunControl control(AgentLoop.Run run) {
    return new RunControl(Instant.now().plusMillis(run.timeoutMs()));
  }

  public AgentLoop.Outcome run(AgentLoop.Run run, RunControl control, AgentLoop.Listener listener) {
    var timer = deadlines.schedule(() -> control.stop(RunControl.Cause.DEADLINE),
        Math.max(0, Duration.between(Instant.now(), control.deadline()).toMillis()), TimeUnit.MILLISECONDS);
    live.add(control);
    try {
      return loop.run(run, control, listener);
    } finally {
      live.remove(control);
      timer.cancel(false);
    }
  }

  public int liveRuns() {
    return live.size();
  }

  /** Stops every live run (they record why) and waits for them to finish, at most {@code grace}. */
  public void stopAll(Duration grace) {
    live.forEach(c -> c.stop(RunControl.Cause.SHUTDOWN));
    long until = System.nanoTime() + grace.toNanos();
    while (!live.isEmpty() && System.nanoTime() < until) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    deadlines.shutdownNow();
  }
}
