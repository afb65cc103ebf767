package sandboxexecutor.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Optional;
import sandboxexecutor.auth.Caller;
import sandboxexecutor.auth.Quotas;
import sandboxexecutor.config.Config;
import sandboxexecutor.execution.Executions;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.protocol.Submission;

/**
 * {@code POST /execute/sdk}, {@code POST /execute} and {@code POST /tasks}: decode, submit, and answer the way the
 * caller asked: the finished result (default), a live event stream, or 202 at once (async).
 */
public final class ExecuteRoutes {
  private final Config config;
  private final RequestReader reader;
  private final Executions executions;
  private final ExecutionRoutes views;
  private final Quotas quotas;

  public ExecuteRoutes(Config config, RequestReader reader, Executions executions, ExecutionRoutes views, Quotas quotas) {
    this.config = config;
    this.reader = reader;
    this.executions = executions;
    this.views = views;
    this.quotas = quotas;
  }

  public void register(RoutesConfig routes) {
    routes.post("/execute/sdk", ctx -> handle(ctx, reader.sdk(reader.body(ctx))));
    routes.post("/execute", ctx -> handle(ctx, reader.sandbox(reader.body(ctx))));
    routes.post("/tasks", this::task);
  }

  /** {@code POST /tasks}: always async; a body with {@code prompt} is SDK mode, one with {@code task} sandbox mode. */
  private void task(Context ctx) throws InterruptedException {
    var body = reader.body(ctx);
    if (!body.has("prompt") && !body.has("task")) {
      throw ExecutorException.invalid("A task needs either prompt (SDK mode) or task (sandbox mode)");
    }
    if (body instanceof com.fasterxml.jackson.databind.node.ObjectNode object && !object.has("async")) object.put("async", true);
    Submission submission = body.has("prompt") ? reader.sdk(body) : reader.sandbox(body);
    if (!submission.async()) throw ExecutorException.invalid("async: POST /tasks is always asynchronous");
    handle(ctx, submission);
  }

  private void handle(Context ctx, Submission submission) throws InterruptedException {
    RequestContext.instance(submission.instanceId());
    requireApiKey();
    Caller caller = AccessFilter.caller(ctx);
    // a body without instance_id reads as "default", which the caller did not name
    Optional<String> named = submission.recordedRequest().has("instance_id") ? Optional.of(submission.instanceId())
        : Optional.empty();
    submission = AccessFilter.ownInstance(ctx, named).map(submission::withInstanceId).orElse(submission);
    String key = ctx.header("Idempotency-Key");
    if (key != null) {
      if (key.isBlank() || key.length() > 200) throw ExecutorException.invalid("Idempotency-Key must be 1 to 200 characters");
      submission = submission.withIdempotencyKey(key);
    }
    var format = EventStream.requested(ctx, submission.stream());
    if (format != null && submission.async()) throw ExecutorException.invalid("async cannot be combined with a streaming Accept header");
    if (format != null) submission = submission.streaming();
    Quotas.Permit permit = quotas.admit(caller);
    Executions.Accepted accepted;
    try {
      accepted = executions.submit(Server.requestId(ctx), submission, RequestContext.trace(ctx));
    } catch (RuntimeException e) {
      permit.release();
      throw e;
    }
    if (accepted.live() == null || accepted.replayed()) permit.release();
    else accepted.live().whenEnded(permit::release);
    String id = accepted.record().id();
    if (accepted.replayed()) ctx.header("Idempotent-Replayed", "true");
    if (submission.async()) {
      ctx.header("Location", "/executions/" + id);
      var body = new LinkedHashMap<String, Object>();
      body.put("success", true);
      body.put("request_id", id);
      body.put("status", accepted.record().status().wire());
      body.put("location", "/executions/" + id);
      Server.json(ctx, accepted.replayed() ? 200 : 202, body);
      return;
    }
    if (accepted.live() == null) {
      // the earlier execution with this key has ended: answer with what it answered
      Server.json(ctx, 200, views.view(accepted.record(), true));
      return;
    }
    if (format != null) {
      boolean stayed = EventStream.follow(ctx, accepted.live().events, 0, format, config.dispatch().heartbeat());
      if (!stayed && submission.cancelOnDisconnect()) executions.cancel(id);
      return;
    }
    Server.json(ctx, 200, accepted.live().await());
  }

  private void requireApiKey() {
    if (config.apiKey().isEmpty()) {
      throw new ExecutorException(ErrorCode.MISSING_API_KEY, "No Anthropic API key is configured: set "
          + "ANTHROPIC_API_KEY in the environment or in a .env file in the server's working directory, then restart");
    }
  }
}
