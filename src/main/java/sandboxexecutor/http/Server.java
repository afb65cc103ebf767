package sandboxexecutor.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.UUID;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import java.util.function.Consumer;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.protocol.Json;

/**
 * The Javalin app: virtual threads, a request id on every response, and every failure — ours, Javalin's, a
 * route that does not exist — answered with the standard JSON error body.
 */
public final class Server {
  private static final String REQUEST_ID = "request_id";
  private static final int ACCEPT_QUEUE = 4096;

  private Server() {}

  /** @param refused sees every error the API answers with (for metrics), before it is written */
  public static Javalin create(long maxBodyBytes, Consumer<ExecutorException> refused,
                               Consumer<io.javalin.config.RoutesConfig> routes) {
    return Javalin.create(config -> {
      config.concurrency.useVirtualThreads = true;
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.http.prefer405over404 = true;
      config.http.maxRequestSize = maxBodyBytes;
      // Javalin leaves Jetty's accept queue at the JDK default of 50, so a burst of clients is dropped by the kernel
      config.jetty.modifyServer(server -> server.addEventListener(new LifeCycle.Listener() {
        @Override
        public void lifeCycleStarting(LifeCycle event) {
          for (var connector : server.getConnectors()) {
            if (connector instanceof ServerConnector serverConnector) serverConnector.setAcceptQueueSize(ACCEPT_QUEUE);
          }
        }
      }));
      config.routes.before(ctx -> {
        String id = UUID.randomUUID().toString();
        ctx.attribute(REQUEST_ID, id);
        ctx.header("X-Request-ID", id);
        RequestContext.begin(ctx, id);
      });
      config.routes.after(ctx -> RequestContext.end());
      routes.accept(config.routes);
      config.routes.exception(ExecutorException.class, (e, ctx) -> {
        refused.accept(e);
        ErrorMapper.write(ctx, e);
      });
      config.routes.exception(HttpResponseException.class, (e, ctx) -> ErrorMapper.write(ctx, fromJavalin(e, ctx)));
      config.routes.exception(Exception.class, (e, ctx) -> ErrorMapper.unexpected(ctx, e));
      config.routes.error(404, ctx -> {
        if (ctx.result() == null) ErrorMapper.write(ctx, notFound(ctx));
      });
      config.routes.error(405, ctx -> {
        if (ctx.result() == null) ErrorMapper.write(ctx, methodNotAllowed(ctx));
      });
    });
  }

  private static ExecutorException fromJavalin(HttpResponseException e, Context ctx) {
    return switch (e.getStatus()) {
      case 404 -> notFound(ctx);
      case 405 -> methodNotAllowed(ctx);
      case 413 -> new ExecutorException(ErrorCode.PAYLOAD_TOO_LARGE, "The body is too large");
      default -> e.getStatus() < 500
          ? ExecutorException.invalid(e.getMessage())
          : new ExecutorException(ErrorCode.INTERNAL_ERROR, "Internal error");
    };
  }

  private static ExecutorException notFound(Context ctx) {
    return new ExecutorException(ErrorCode.ROUTE_NOT_FOUND, "No route " + ctx.method() + " " + ctx.path()
        + "; see the README for the endpoints (POST /execute/sdk, POST /execute, GET /health)");
  }

  private static ExecutorException methodNotAllowed(Context ctx) {
    return new ExecutorException(ErrorCode.METHOD_NOT_ALLOWED, ctx.method() + " is not allowed on " + ctx.path());
  }

  static String requestId(Context ctx) {
    String id = ctx.attribute(REQUEST_ID);
    if (id == null) {
      id = UUID.randomUUID().toString();
      ctx.attribute(REQUEST_ID, id);
      ctx.header("X-Request-ID", id);
    }
    return id;
  }

  static void json(Context ctx, int status, Object body) {
    try {
      ctx.status(status).contentType("application/json").result(Json.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("response not serializable", e);
    }
  }
}
