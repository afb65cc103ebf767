package sandboxexecutor.store;

import java.time.Instant;

/**
 * Token buckets by name: each holds up to {@code capacity} tokens and refills {@code capacity} per minute. Taking
 * a token is atomic, also across nodes when the buckets live in a shared database.
 */
public interface RateBuckets {

  /** The outcome of one take: whether a token was granted, and the tokens left afterwards. */
  record Take(boolean granted, double tokens) {}

  /** Takes one token from bucket {@code name} at {@code now}, if there is one. {@code capacity} must be positive. */
  Take take(String name, int capacity, Instant now);
}
