package sandboxexecutor.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import sandboxexecutor.agent.AgentLoop;
import sandboxexecutor.agent.RunSetup;
import sandboxexecutor.agent.Runner;
import sandboxexecutor.config.Config;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.protocol.StopReason;

/** {@code POST /execute/sdk}: decode, plan the run, run the agent loop in-process, answer with the transcript. */
public final class ExecuteRoutes {
  private final Config config;
  private final RequestReader reader;
  private final RunSetup setup;
  private final Runner runner;
  private final RunSetup.Mode sdkMode;

  public ExecuteRoutes(Config config, RunSetup setup, Runner runner, RunSetup.Mode sdkMode) {
    this.config = config;
    this.reader = new RequestReader(config.maxBodyBytes(), config.models());
    this.setup = setup;
    this.runner = runner;
    this.sdkMode = sdkMode;
  }

  public void register(RoutesConfig routes) {
    routes.post("/execute/sdk", this::sdk);
  }

  private void sdk(Context ctx) {
    long started = System.nanoTime();
    var request = reader.sdk(reader.body(ctx));
    requireApiKey();
    String id = Server.requestId(ctx);
    var run = setup.plan(id, request.prompt(), request.options(), sdkMode, false, "default", "/", Optional.empty());
    var outcome = runner.run(run, runner.control(run), AgentLoop.Listener.NONE);
    var metadata = metadata(started, outcome, run, request.options().model());
    Server.json(ctx, 200, body(id, outcome, Map.of(), metadata));
  }

  private void requireApiKey() {
    if (config.apiKey().isEmpty()) {
      throw new ExecutorException(ErrorCode.MISSING_API_KEY, "No Anthropic API key is configured: set "
          + "ANTHROPIC_API_KEY in the environment or in a .env file in the server's working directory, then restart");
    }
  }

  Map<String, Object> metadata(long startedNanos, AgentLoop.Outcome outcome, AgentLoop.Run run, String requestedModel) {
    var m = new LinkedHashMap<String, Object>();
    m.put("execution_time_ms", (System.nanoTime() - startedNanos) / 1_000_000);
    m.put("total_cost_usd", outcome.costUsd());
    m.put("num_turns", outcome.numTurns());
    m.put("model", requestedModel == null ? config.defaultModel() : requestedModel);
    m.put("model_id", run.modelId());
    m.put("usage", outcome.usage());
    m.put("session_id", run.sessionId());
    m.put("duration_api_ms", outcome.apiDurationMs());
    m.put("todos", outcome.todos());
    return m;
  }

  /**
   * The response body of a finished run. A run that ended without success is still HTTP 200 with the Agent SDK's
   * error subtype; a passed deadline or an upstream failure is an HTTP error carrying the partial transcript.
   */
  static Map<String, Object> body(String id, AgentLoop.Outcome outcome, Map<String, Object> extra, Map<String, Object> metadata) {
    var body = new LinkedHashMap<String, Object>();
    boolean success = outcome.stop() instanceof StopReason.EndTurn;
    body.put("success", success);
    body.put("request_id", id);
    body.put("timestamp", Instant.now().toString());
    body.put("result", outcome.result());
    if (!success) {
      body.put("subtype", StopReason.subtype(outcome.stop()));
      body.put("error", StopReason.describe(outcome.stop()));
    }
    body.putAll(extra);
    body.put("messages", outcome.messages());
    body.put("metadata", metadata);
    switch (outcome.stop()) {
      case StopReason.PastDeadline p -> throw new ExecutorException(ErrorCode.EXECUTION_TIMEOUT,
          StopReason.describe(p) + "; raise options.timeout_ms (at most MAX_EXECUTION_TIME) or simplify the task",
          partial(body), null, null);
      case StopReason.Failed f -> throw new ExecutorException(f.error().code(), f.error().getMessage(),
          partial(body), f.error().retryAfter(), f.error());
      case StopReason.EndTurn e -> { }
      case StopReason.MaxTurns m -> { }
      case StopReason.OverBudget o -> { }
      case StopReason.Cancelled c -> { }
    }
    return body;
  }

  private static Map<String, Object> partial(Map<String, Object> body) {
    var details = new LinkedHashMap<>(body);
    details.remove("success");
    details.remove("request_id");
    details.remove("error");
    return details;
  }
}
