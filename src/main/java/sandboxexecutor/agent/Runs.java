package sandboxexecutor.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The clocks of live executions: {@link #start} gives each a {@link RunControl} whose deadline fires on one
 * scheduler thread. The executions themselves run on their callers' threads.
 */
public final class Runs implements AutoCloseable {
  private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "run-deadlines");
    t.setDaemon(true);
    return t;
  });
  private final Map<RunControl, ScheduledFuture<?>> live = new ConcurrentHashMap<>();

  /** Starts an execution's clock; call {@link #finish} when it has ended, whatever happened. */
  public RunControl start(Duration timeout) {
    var control = new RunControl(Instant.now().plus(timeout));
    live.put(control, deadlines.schedule(() -> control.stop(RunControl.Cause.DEADLINE), timeout.toMillis(), TimeUnit.MILLISECONDS));
    return control;
  }

  public void finish(RunControl control) {
    var timer = live.remove(control);
    if (timer != null) timer.cancel(false);
  }

  @Override
  public void close() {
    deadlines.shutdownNow();
  }
}
