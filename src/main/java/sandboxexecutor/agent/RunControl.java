package sandboxexecutor.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stops one run from another thread: on a deadline, a cancel or shutdown it records why, closes the open model
 * stream and interrupts the threads working for the run (which kills any sandbox command they wait on).
 */
public final class RunControl {
  public enum Cause { DEADLINE, CANCELLED, SHUTDOWN }

  /** Undoes a {@link #track} or {@link #enlist}; closing it throws nothing. */
  public interface Handle extends AutoCloseable {
    @Override
    void close();
  }

  private final Instant deadline;
  private final AtomicReference<Cause> stopped = new AtomicReference<>();
  private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
  private final Set<Thread> workers = ConcurrentHashMap.newKeySet();

  public RunControl(Instant deadline) {
    this.deadline = deadline;
  }

  public Instant deadline() {
    return deadline;
  }

  public Duration remaining() {
    Duration left = Duration.between(Instant.now(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** The first cause that stopped the run, or null while it may go on. */
  public Cause stopped() {
    return stopped.get();
  }

  public void stop(Cause cause) {
    if (!stopped.compareAndSet(null, cause)) return;
    for (AutoCloseable resource : open) {
      try {
        resource.close();
      } catch (Exception ignored) {
        // closing is best effort: the interrupt below ends the wait either way
      }
    }
    workers.forEach(Thread::interrupt);
  }

  /** Registers a resource to close on stop; closing the returned handle unregisters it. */
  public Handle track(AutoCloseable resource) {
    open.add(resource);
    if (stopped.get() != null) {
      try {
        resource.close();
      } catch (Exception ignored) {
        // already stopping
      }
    }
    return () -> open.remove(resource);
  }

  /** Marks the current thread as working for this run until the handle is closed. */
  public Handle enlist() {
    Thread me = Thread.currentThread();
    boolean added = workers.add(me);
    if (stopped.get() != null) me.interrupt();
    return () -> {
      if (added) workers.remove(me); // a nested enlist of the same thread leaves it enlisted
    };
  }
}
