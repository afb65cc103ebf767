package sandboxexecutor.http;

import io.javalin.http.Context;
import java.util.Optional;
import org.slf4j.MDC;
import sandboxexecutor.observability.LogContext;
import sandboxexecutor.observability.TraceContext;

/**
 * Per-request log context: request_id (and trace_id when the caller sent a valid W3C {@code traceparent}) in the
 * MDC of the request's thread from the first handler to the last.
 */
final class RequestContext {
  private static final String TRACE = "trace_context";

  private RequestContext() {}

  static void begin(Context ctx, String requestId) {
    MDC.clear();
    MDC.put(LogContext.REQUEST_ID, requestId);
    Optional<TraceContext> trace = TraceContext.parse(ctx.header("traceparent"));
    trace.ifPresent(t -> {
      ctx.attribute(TRACE, t);
      MDC.put(LogContext.TRACE_ID, t.traceId());
    });
  }

  static void instance(String instanceId) {
    MDC.put(LogContext.INSTANCE_ID, instanceId);
  }

  static Optional<TraceContext> trace(Context ctx) {
    return Optional.ofNullable(ctx.attribute(TRACE));
  }

  static void end() {
    MDC.clear();
  }
}
