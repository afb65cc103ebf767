package sandboxexecutor.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import sandboxexecutor.protocol.Json;

/**
 * The events of one execution in order, numbered from 1, for streaming and replay. The execution appends;
 * any number of readers follow with {@link #await}, each on its own thread, so a slow or vanished client never
 * holds the execution up. Partial events (text deltas, tool output) stop being kept past a size cap; transcript
 * messages and the final event always are.
 */
public final class EventLog {
  public record Event(long id, String name, String data) {}

  /** What a reader gets: the events after its last id (maybe none, after the wait), and whether more can come. */
  public record Batch(List<Event> events, boolean complete) {}

  static final long MAX_PARTIAL_BYTES = 32L << 20;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final List<Event> events = new ArrayList<>();
  private long partialBytes;
  private boolean complete;

  public void append(String name, Object payload) {
    append(name, payload, false);
  }

  /** A partial event: dropped once the log holds {@link #MAX_PARTIAL_BYTES} of them. */
  public void appendPartial(String name, Object payload) {
    append(name, payload, true);
  }

  private void append(String name, Object payload, boolean partial) {
    String data;
    try {
      data = Json.MAPPER.writeValueAsString(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("event not serializable", e);
    }
    lock.lock();
    try {
      if (complete) return;
      if (partial) {
        if (partialBytes + data.length() > MAX_PARTIAL_BYTES) return;
        partialBytes += data.length();
      }
      events.add(new Event(events.size() + 1, name, data));
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Appends the last event; nothing can follow it. */
  public void complete(String name, Object payload) {
    append(name, payload, false);
    lock.lock();
    try {
      complete = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code timeout} for events after {@code afterId}. */
  public Batch await(long afterId, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (events.size() <= afterId && !complete) {
        long left = deadline - System.nanoTime();
        if (left <= 0) break;
        changed.awaitNanos(left);
      }
      int from = (int) Math.min(Math.max(afterId, 0), events.size());
      return new Batch(List.copyOf(events.subList(from, events.size())), complete);
    } finally {
      lock.unlock();
    }
  }
}
