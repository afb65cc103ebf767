package sandboxexecutor.auth;

import java.time.Clock;
import java.util.Optional;
import sandboxexecutor.store.RateBuckets;

/**
 * Requests per minute per API key: a token bucket of the key's {@code rpm} tokens that refills in a minute, in
 * memory on one node or in the shared database (see {@link RateBuckets}).
 */
public final class RateLimiter {
  /**
   * One request's verdict and what the {@code X-RateLimit-*} headers report.
   *
   * @param resetSeconds      until the bucket is full again
   * @param retryAfterSeconds until the next token, when not granted
   */
  public record Decision(boolean granted, int limit, int remaining, long resetSeconds, long retryAfterSeconds) {}

  private final RateBuckets buckets;
  private final Clock clock;

  public RateLimiter(RateBuckets buckets, Clock clock) {
    this.buckets = buckets;
    this.clock = clock;
  }

  /** Takes a token for {@code key}; empty when the key has no rate limit (rpm=0). */
  public Optional<Decision> take(ApiKey key) {
    int limit = key.ratePerMinute();
    if (limit <= 0) return Optional.empty();
    var take = buckets.take("key:" + key.name(), limit, clock.instant());
    double perSecond = limit / 60.0;
    long reset = (long) Math.ceil((limit - take.tokens()) / perSecond);
    long retryAfter = take.granted() ? 0 : Math.max(1, (long) Math.ceil((1 - take.tokens()) / perSecond));
    return Optional.of(new Decision(take.granted(), limit, (int) Math.floor(take.tokens()), reset, retryAfter));
  }
}
