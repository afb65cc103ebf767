package sandboxexecutor.http;

import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

/** The only code that knows HTTP status codes: maps errors to a status and the standard JSON error body. */
final class ErrorMapper {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

  private ErrorMapper() {}

  static int status(ErrorCode code) {
    return switch (code) {
      case INVALID_REQUEST, URL_NOT_ALLOWED -> 400;
      case UNAUTHORIZED -> 401;
      case FORBIDDEN, MODEL_NOT_ALLOWED -> 403;
      case ROUTE_NOT_FOUND, NOT_FOUND -> 404;
      case IDEMPOTENCY_CONFLICT, EXECUTION_FINISHED, CANCELLED -> 409;
      case METHOD_NOT_ALLOWED -> 405;
      case PAYLOAD_TOO_LARGE -> 413;
      case UNSUPPORTED_MEDIA_TYPE -> 415;
      case CLONE_FAILED -> 422;
      case RATE_LIMITED, BUDGET_EXCEEDED -> 429;
      case INTERNAL_ERROR -> 500;
      case UPSTREAM_ERROR -> 502;
      case MISSING_API_KEY, SANDBOX_UNAVAILABLE, SERVICE_UNAVAILABLE, QUEUE_FULL -> 503;
      case EXECUTION_TIMEOUT -> 504;
    };
  }

  static void write(Context ctx, ExecutorException e) {
    int status = status(e.code());
    if (status >= 500) log.warn("{} {} -> {} {}: {}", ctx.method(), ctx.path(), status, e.code(), e.getMessage());
    if (e.code() == ErrorCode.UNAUTHORIZED) ctx.header("WWW-Authenticate", "Bearer");
    if (e.retryAfter() != null) ctx.header("Retry-After", Long.toString(Math.max(1, e.retryAfter().toSeconds())));
    Server.json(ctx, status, e.body(Server.requestId(ctx)));
  }

  /** Anything unexpected: logged with its stack trace, answered without internals. */
  static void unexpected(Context ctx, Exception e) {
    log.error("{} {} failed (request {})", ctx.method(), ctx.path(), Server.requestId(ctx), e);
    write(ctx, new ExecutorException(ErrorCode.INTERNAL_ERROR,
        "Internal error; the server logs have the details under request id " + Server.requestId(ctx)));
  }
}
