package sandboxexecutor.net;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A small in-memory LRU of recently fetched pages, so a model that fetches the same URL twice in a few minutes
 * does not hit the site twice. The lock guards only map operations, never I/O, and is a ReentrantLock rather
 * than {@code synchronized} so virtual threads do not pin their carrier.
 */
final class PageCache {
  private record Cached(WebPage page, Instant expires) {}

  private final Clock clock;
  private final Duration ttl;
  private final int capacity;
  private final ReentrantLock lock = new ReentrantLock();
  private final LinkedHashMap<String, Cached> entries;

  PageCache(Clock clock, Duration ttl, int capacity) {
    this.clock = clock;
    this.ttl = ttl;
    this.capacity = capacity;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
        return size() > PageCache.this.capacity;
      }
    };
  }

  /** The page cached under {@code key} if it has not expired, else null. */
  WebPage get(String key) {
    lock.lock();
    try {
      Cached entry = entries.get(key);
      if (entry == null) return null;
      if (!clock.instant().isBefore(entry.expires())) {
        entries.remove(key);
        return null;
      }
      return entry.page();
    } finally {
      lock.unlock();
    }
  }

  void put(WebPage page, String... keys) {
    if (capacity == 0 || ttl.isZero()) return;
    var entry = new Cached(page, clock.instant().plus(ttl));
    lock.lock();
    try {
      for (String key : keys) entries.put(key, entry);
    } finally {
      lock.unlock();
    }
  }
}
