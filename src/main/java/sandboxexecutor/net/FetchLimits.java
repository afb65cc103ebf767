package sandboxexecutor.net;

import java.time.Duration;

/**
 * Bounds for {@link WebPageFetcher}.
 *
 * @param maxBodyBytes    body bytes read at most (after decompression); the rest is dropped and the page marked truncated
 * @param maxContentChars characters of content returned at most
 * @param timeout         a whole fetch, redirects included, takes at most this long, and never past the caller's deadline
 * @param maxRedirects    redirects followed at most
 * @param cacheTtl        how long a successful page is served from memory
 * @param cacheEntries    pages kept at most (least recently used dropped first)
 */
public record FetchLimits(long maxBodyBytes, int maxContentChars, Duration timeout, int maxRedirects,
                          Duration cacheTtl, int cacheEntries) {
  public static final FetchLimits DEFAULTS =
      new FetchLimits(2 * 1024 * 1024, 100_000, Duration.ofSeconds(30), 5, Duration.ofMinutes(15), 64);

  public FetchLimits {
    if (maxBodyBytes < 1) throw new IllegalArgumentException("maxBodyBytes must be positive: " + maxBodyBytes);
    if (maxContentChars < 1) throw new IllegalArgumentException("maxContentChars must be positive: " + maxContentChars);
    if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive: " + timeout);
    if (maxRedirects < 0) throw new IllegalArgumentException("maxRedirects must not be negative: " + maxRedirects);
    if (cacheTtl.isNegative()) throw new IllegalArgumentException("cacheTtl must not be negative: " + cacheTtl);
    if (cacheEntries < 0) throw new IllegalArgumentException("cacheEntries must not be negative: " + cacheEntries);
  }

  public FetchLimits withMaxBodyBytes(long bytes) {
    return new FetchLimits(bytes, maxContentChars, timeout, maxRedirects, cacheTtl, cacheEntries);
  }

  public FetchLimits withMaxContentChars(int chars) {
    return new FetchLimits(maxBodyBytes, chars, timeout, maxRedirects, cacheTtl, cacheEntries);
  }
}
