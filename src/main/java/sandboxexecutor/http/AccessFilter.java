package sandboxexecutor.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import sandboxexecutor.auth.Access;
import sandboxexecutor.auth.Authenticator;
import sandboxexecutor.auth.Caller;
import sandboxexecutor.auth.RateLimiter;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

/**
 * Runs before every route: CORS for allowed origins (preflights answered here), then, except on the probes
 * ({@code /health}, {@code /ready}) and the API document, authentication and the key's requests-per-minute limit. The {@link Caller}
 * is left on the context for the routes.
 */
public final class AccessFilter {
  private static final String CALLER = "caller";
  private static final Set<String> OPEN = Set.of("/health", "/ready", "/openapi.json");
  private static final String ALLOW_HEADERS = "Authorization, X-API-Key, Content-Type, Accept, Idempotency-Key, Last-Event-ID";
  private static final String EXPOSE_HEADERS = "X-Request-ID, Location, Retry-After, Idempotent-Replayed, "
      + "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";

  private final List<String> corsOrigins;
  private final Authenticator authenticator;
  private final RateLimiter limiter;

  public AccessFilter(Access access, Authenticator authenticator, RateLimiter limiter) {
    this.corsOrigins = access.corsOrigins();
    this.authenticator = authenticator;
    this.limiter = limiter;
  }

  public void register(RoutesConfig routes) {
    routes.before(this::before);
  }

  /** The authenticated caller of this request (anonymous on the probes). */
  static Caller caller(Context ctx) {
    Caller caller = ctx.attribute(CALLER);
    return caller == null ? new Caller.Anonymous() : caller;
  }

  /**
   * The instance the caller's key acts for, if it has one. An {@code instance_id} the request names must be that
   * one: another is refused rather than silently replaced, so a misconfigured client finds out.
   */
  static Optional<String> ownInstance(Context ctx, Optional<String> named) {
    Optional<String> own = caller(ctx).instanceId();
    if (own.isPresent() && named.isPresent() && !own.get().equals(named.get())) {
      throw new ExecutorException(ErrorCode.FORBIDDEN, "instance_id: this API key acts for instance '" + own.get()
          + "'; leave instance_id out or set it to that");
    }
    return own;
  }

  private void before(Context ctx) {
    String origin = ctx.header("Origin");
    boolean corsAllowed = origin != null && (corsOrigins.contains(origin) || corsOrigins.contains("*"));
    if (!corsOrigins.isEmpty()) ctx.header("Vary", "Origin"); // caches must not serve one origin's answer to another
    if (corsAllowed) {
      ctx.header("Access-Control-Allow-Origin", corsOrigins.contains("*") ? "*" : origin);
      ctx.header("Access-Control-Expose-Headers", EXPOSE_HEADERS);
    }
    if (!corsOrigins.isEmpty() && ctx.method() == HandlerType.OPTIONS && ctx.header("Access-Control-Request-Method") != null) {
      if (corsAllowed) {
        ctx.header("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
        ctx.header("Access-Control-Allow-Headers", ALLOW_HEADERS);
        ctx.header("Access-Control-Max-Age", "600");
      }
      ctx.status(204).result("");
      ctx.skipRemainingHandlers();
      return;
    }
    if (OPEN.contains(ctx.path())) return;
    Caller caller = authenticator.authenticate(ctx.header("Authorization"), ctx.header("X-API-Key"), ctx.req().getRemoteAddr());
    ctx.attribute(CALLER, caller);
    if (caller instanceof Caller.Key key) {
      limiter.take(key.key()).ifPresent(d -> {
        ctx.header("X-RateLimit-Limit", Integer.toString(d.limit()));
        ctx.header("X-RateLimit-Remaining", Integer.toString(d.remaining()));
        ctx.header("X-RateLimit-Reset", Long.toString(d.resetSeconds()));
        if (!d.granted()) {
          throw new ExecutorException(ErrorCode.RATE_LIMITED, "API key '" + key.key().name() + "' is limited to "
              + d.limit() + " requests per minute; retry in " + d.retryAfterSeconds() + " s",
              java.util.Map.of("limit", "requests_per_minute", "requests_per_minute", d.limit()),
              java.time.Duration.ofSeconds(d.retryAfterSeconds()), null);
        }
      });
    }
  }
}
