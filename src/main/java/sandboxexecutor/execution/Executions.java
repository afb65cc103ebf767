package sandboxexecutor.execution;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import sandboxexecutor.agent.AgentLoop;
import sandboxexecutor.agent.RunControl;
import sandboxexecutor.agent.RunSetup;
import sandboxexecutor.agent.Runs;
import sandboxexecutor.config.Config;
import sandboxexecutor.instances.Instances;
import sandboxexecutor.observability.LogContext;
import sandboxexecutor.observability.Metrics;
import sandboxexecutor.observability.TraceContext;
import sandboxexecutor.observability.Tracing;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.protocol.ModeRequest;
import sandboxexecutor.protocol.SandboxRequest;
import sandboxexecutor.protocol.SdkMessage;
import sandboxexecutor.protocol.SdkRequest;
import sandboxexecutor.protocol.Submission;
import sandboxexecutor.store.Completion;
import sandboxexecutor.store.Creation;
import sandboxexecutor.store.ExecutionMode;
import sandboxexecutor.store.ExecutionRecord;
import sandboxexecutor.store.ExecutionStatus;
import sandboxexecutor.store.ExecutionStore;
import sandboxexecutor.store.ObjectStore;

/**
 * Every execution, sync or async, from acceptance to a recorded terminal state: recorded as queued, run under
 * the mode's concurrency limit, followed through its {@link EventLog}, cancellable, and finished with its
 * artifacts stored and its callback sent. Nothing leaves it without a terminal status in the store.
 */
public final class Executions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Executions.class);

  /** An execution this node accepted and has not finished. */
  public static final class Live {
    public final String id;
    public final Submission submission;
    public final EventLog events = new EventLog();
    final RunSetup.Caller caller;
    final Tracing.Traced span;
    final long acceptedNanos = System.nanoTime();
    final CompletableFuture<Finished> done = new CompletableFuture<>();
    volatile RunControl control;
    volatile boolean cancelRequested;
    volatile Thread thread;

    Live(String id, Submission submission, RunSetup.Caller caller, Tracing.Traced span) {
      this.id = id;
      this.submission = submission;
      this.caller = caller;
      this.span = span;
    }

    /** Runs {@code action} once the execution has ended (at once if it already has). */
    public void whenEnded(Runnable action) {
      done.whenComplete((finished, error) -> action.run());
    }

    /** Waits at most {@code timeout} for the execution to end. */
    public void awaitEnd(Duration timeout) throws InterruptedException {
      try {
        done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
        // the caller reads the record as it is
      }
    }

    /** Waits for the end: the response body, or the error the synchronous call answers with. */
    public Map<String, Object> await() throws InterruptedException {
      try {
        Finished f = done.get();
        if (f.error() != null) throw f.error();
        return f.body();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
    }
  }

  public record Finished(ExecutionStatus status, Map<String, Object> body, ExecutorException error) {}

  /** What {@link #submit} did; {@code live} is null for an earlier execution (same idempotency key) already finished. */
  public record Accepted(ExecutionRecord record, Live live, boolean replayed) {}

  private final Config config;
  private final ExecutionStore store;
  private final ObjectStore objects;
  private final Runs runs;
  private final RunSetup setup;
  private final SdkMode sdk;
  private final SandboxMode sandbox;
  private final Callbacks callbacks;
  private final Clock clock;
  private final Instances instances;
  private final Metrics metrics;
  private final Tracing tracing;
  private final Semaphore sdkSlots;
  private final Semaphore sandboxSlots;
  private final AtomicInteger queued = new AtomicInteger();
  private final Map<String, Live> live = new ConcurrentHashMap<>();
  private volatile boolean closing;

  public Executions(Config config, ExecutionStore store, ObjectStore objects, Runs runs, RunSetup setup, SdkMode sdk,
                    SandboxMode sandbox, Callbacks callbacks, Clock clock, Instances instances, Metrics metrics,
                    Tracing tracing) {
    this.instances = instances;
    this.metrics = metrics;
    this.tracing = tracing;
    this.config = config;
    this.store = store;
    this.objects = objects;
    this.runs = runs;
    this.setup = setup;
    this.sdk = sdk;
    this.sandbox = sandbox;
    this.callbacks = callbacks;
    this.clock = clock;
    this.sdkSlots = new Semaphore(config.dispatch().maxConcurrent(), true);
    this.sandboxSlots = new Semaphore(config.dispatch().maxConcurrentSandbox(), true);
  }

  /**
   * Start-up recovery: what a crash left running is interrupted, and what it left queued is finished as
   * interrupted too (its stored request has secrets redacted, so it cannot be re-run faithfully).
   */
  public void recover() {
    var recovery = store.interruptUnfinished(clock.instant());
    for (ExecutionRecord queuedRecord : recovery.queued()) {
      store.finish(queuedRecord.id(), Completion.failed(ExecutionStatus.INTERRUPTED, clock.instant(), "INTERRUPTED",
          "The server stopped before this execution started; submit it again"));
    }
    int count = recovery.interrupted().size() + recovery.queued().size();
    if (count > 0) log.warn("marked {} executions left unfinished by an earlier process as interrupted", count);
  }

  /** False once shutdown has begun: new executions are refused. */
  public boolean accepting() {
    return !closing;
  }

  public int queued() {
    return queued.get();
  }

  /** Executions accepted here and not yet ended (queued or running). */
  public int liveCount() {
    return live.size();
  }

  public Optional<Live> live(String id) {
    return Optional.ofNullable(live.get(id));
  }

  /**
   * Records and starts an execution under the caller's instance settings.
   *
   * @param trace the caller's W3C trace context, if it sent one: the parent of the execution's span
   */
  public Accepted submit(String id, Submission submission, Optional<TraceContext> trace) {
    if (closing) {
      throw new ExecutorException(ErrorCode.SERVICE_UNAVAILABLE, "The server is shutting down; try another node or retry shortly",
          Map.of(), Duration.ofSeconds(5), null);
    }
    if (submission.callbackUrl() != null) callbacks.check(submission.callbackUrl());
    if (queued.get() >= config.dispatch().maxQueued()) {
      throw new ExecutorException(ErrorCode.QUEUE_FULL, "The execution queue is full (MAX_QUEUED_EXECUTIONS="
          + config.dispatch().maxQueued() + "); retry later", Map.of(), Duration.ofSeconds(5), null);
    }
    ModeRequest request = submission.request();
    var caller = new RunSetup.Caller(submission.instanceId(), instances.settings(submission.instanceId()),
        Context.root()); // the execution's span once it is accepted
    setup.check(request.options(), caller); // an instance's rule broken: answered now, nothing recorded
    String model = setup.requestedModel(request.options(), caller.instance());
    var record = ExecutionRecord.queued(id, mode(request), submission.instanceId(), submission.projectId(),
        submission.idempotencyKey(), submission.recordedRequest().toString(), model, config.models().resolve(model),
        submission.callbackUrl(), null, clock.instant());
    Creation creation = store.create(record);
    if (creation instanceof Creation.Existing existing) {
      if (!existing.record().request().equals(record.request())) {
        throw new ExecutorException(ErrorCode.IDEMPOTENCY_CONFLICT, "Idempotency-Key '" + submission.idempotencyKey()
            + "' was used for a different request (execution " + existing.record().id() + "); use a new key");
      }
      return new Accepted(existing.record(), live.get(existing.record().id()), true);
    }
    var span = tracing.execution(id, submission.instanceId(), mode(request).wire(),
        record.modelId(), trace);
    var execution = new Live(id, submission, new RunSetup.Caller(caller.instanceId(), caller.instance(), span.context()),
        span);
    live.put(id, execution);
    queued.incrementAndGet();
    var logContext = new LinkedHashMap<>(LogContext.capture());
    logContext.put(LogContext.REQUEST_ID, id);
    logContext.put(LogContext.EXECUTION_ID, id);
    logContext.put(LogContext.INSTANCE_ID, submission.instanceId());
    span.traceId().ifPresent(t -> logContext.put(LogContext.TRACE_ID, t));
    execution.thread = Thread.ofVirtual().name("execution-" + id).start(() -> {
      MDC.setContextMap(logContext);
      try {
        execute(execution);
      } finally {
        MDC.clear();
      }
    });
    return new Accepted(record, execution, false);
  }

  /** Asks a queued or running execution to stop; true when it was live here. */
  public boolean cancel(String id) {
    Live execution = live.get(id);
    if (execution == null) return false;
    stop(execution, RunControl.Cause.CANCELLED);
    return true;
  }

  private static void stop(Live execution, RunControl.Cause cause) {
    execution.cancelRequested = true;
    RunControl control = execution.control;
    if (control != null) control.stop(cause);
    else execution.thread.interrupt(); // still waiting for a slot
  }

  private static ExecutionMode mode(ModeRequest request) {
    return switch (request) {
      case SdkRequest r -> ExecutionMode.SDK;
      case SandboxRequest r -> ExecutionMode.SANDBOX;
    };
  }

  private void execute(Live execution) {
    Semaphore slots = mode(execution.submission.request()) == ExecutionMode.SANDBOX ? sandboxSlots : sdkSlots;
    boolean acquired = false;
    try {
      slots.acquire();
      acquired = true;
    } catch (InterruptedException e) {
      // cancelled (or shut down) while queued
    } finally {
      queued.decrementAndGet();
    }
    try {
      if (!acquired || execution.cancelRequested || closing) {
        finish(execution, new Finished(ExecutionStatus.CANCELLED, null, new ExecutorException(ErrorCode.CANCELLED,
            closing ? "Cancelled: the server shut down before the execution started" : "Cancelled before it started")));
        return;
      }
      finish(execution, run(execution));
    } catch (RuntimeException e) {
      log.error("execution {} failed outside its run", execution.id, e);
      finish(execution, new Finished(ExecutionStatus.FAILED, null,
          new ExecutorException(ErrorCode.INTERNAL_ERROR, "Internal error; the server log has the details", e)));
    } finally {
      if (acquired) slots.release();
    }
  }

  private Finished run(Live execution) {
    ModeRequest request = execution.submission.request();
    store.markRunning(execution.id, clock.instant());
    RunControl control = runs.start(setup.timeout(request.options()));
    execution.control = control;
    if (execution.cancelRequested) control.stop(RunControl.Cause.CANCELLED);
    var listener = listener(execution);
    try {
      Map<String, Object> body = switch (request) {
        case SdkRequest r -> sdk.run(execution.id, r, execution.caller, control, listener);
        case SandboxRequest r -> sandbox.run(execution.id, r, execution.caller, control, listener);
      };
      return new Finished(status(control, Boolean.TRUE.equals(body.get("success"))), body, null);
    } catch (ExecutorException e) {
      ExecutionStatus status = e.code() == ErrorCode.EXECUTION_TIMEOUT ? ExecutionStatus.TIMED_OUT : status(control, false);
      return new Finished(status, null, e);
    } catch (InterruptedException e) {
      return new Finished(status(control, false), null, new ExecutorException(ErrorCode.CANCELLED, "Cancelled"));
    } finally {
      runs.finish(control);
      Thread.interrupted();
    }
  }

  private static ExecutionStatus status(RunControl control, boolean success) {
    RunControl.Cause cause = control.stopped();
    if (cause == null) return success ? ExecutionStatus.SUCCEEDED : ExecutionStatus.FAILED;
    return switch (cause) {
      case DEADLINE -> ExecutionStatus.TIMED_OUT;
      case CANCELLED, SHUTDOWN -> ExecutionStatus.CANCELLED;
    };
  }

  private AgentLoop.Listener listener(Live execution) {
    boolean partial = execution.submission.includePartialMessages();
    return new AgentLoop.Listener() {
      @Override
      public void onMessage(SdkMessage message) {
        // the result message travels inside the final "result" event, with the rest of the response
        if (!(message instanceof SdkMessage.Result)) execution.events.append(message.type(), message);
      }

      @Override
      public void onStreamEvent(RawMessageStreamEvent event) {
        if (!partial) return;
        JsonNode json = ObjectMappers.jsonMapper().valueToTree(event);
        execution.events.appendPartial("stream_event",
            new SdkMessage.StreamEvent(json, null, UUID.randomUUID().toString(), execution.id));
      }

      @Override
      public void onToolOutput(String toolUseId, String stream, String chunk) {
        execution.events.appendPartial("tool_output",
            Map.of("type", "tool_output", "tool_use_id", toolUseId, "stream", stream, "chunk", chunk));
      }
    };
  }

  /** Stores the artifacts, records the terminal state, ends the event stream, and sends the callback. */
  private void finish(Live execution, Finished finished) {
    String id = execution.id;
    Map<String, Object> payload = finished.body() != null ? finished.body() : finished.error().body(id);
    String resultKey = ObjectStore.artifactKey(id, "result.json");
    Completion completion = completion(finished, payload,
        Map.of("result", resultKey, "events", ObjectStore.artifactKey(id, "events.ndjson")));
    try {
      // One object holds the whole final payload (transcript, logs, diff): one write on the hot path, and
      // GET /executions/{id} reads the parts back from it.
      objects.put(resultKey, bytes(payload), "application/json");
      store.finish(id, completion);
    } catch (RuntimeException e) {
      log.error("could not record the end of execution {}", id, e);
      store.finish(id, Completion.failed(finished.status(), clock.instant(), "INTERNAL_ERROR", "Recording the result failed: " + e));
    } finally {
      ended(execution, finished, completion);
      var event = new LinkedHashMap<String, Object>();
      event.put("type", finished.error() == null ? "result" : "error");
      event.putAll(payload);
      execution.events.complete(finished.error() == null ? "result" : "error", event);
      persistEvents(execution);
      live.remove(id);
      execution.done.complete(finished);
    }
    if (execution.submission.callbackUrl() != null) {
      var body = new LinkedHashMap<String, Object>();
      body.put("execution_id", id);
      body.put("status", finished.status().wire());
      body.putAll(payload);
      callbacks.deliver(id, execution.submission.callbackUrl(), bytes(body));
    }
  }

  private void ended(Live execution, Finished finished, Completion completion) {
    String mode = mode(execution.submission.request()).wire();
    Duration took = Duration.ofNanos(System.nanoTime() - execution.acceptedNanos);
    metrics.executionEnded(mode, finished.status().wire(), took, completion.numTurns());
    try (var span = execution.span) {
      span.executionEnded(finished.status().wire(), completion.numTurns(), completion.costUsd(), completion.errorCode());
    }
    log.info("execution ended: {} {} in {} ms{}", mode, finished.status().wire(), took.toMillis(),
        finished.error() == null ? "" : " (" + finished.error().code() + ")");
  }

  private void persistEvents(Live execution) {
    try {
      var lines = new StringBuilder();
      for (var event : execution.events.await(0, Duration.ZERO).events()) {
        lines.append(Json.MAPPER.writeValueAsString(event)).append('\n');
      }
      objects.put(ObjectStore.artifactKey(execution.id, "events.ndjson"), lines.toString().getBytes(StandardCharsets.UTF_8),
          "application/x-ndjson");
    } catch (InterruptedException | JsonProcessingException | RuntimeException e) {
      log.warn("could not store the events of {}: {}", execution.id, e.toString());
    }
  }

  private Completion completion(Finished finished, Map<String, Object> payload, Map<String, String> artifacts) {
    Map<?, ?> source = finished.body() != null ? payload : (Map<?, ?>) payload.getOrDefault("details", Map.of());
    Map<?, ?> metadata = source.get("metadata") instanceof Map<?, ?> m ? m : Map.of();
    Object usage = metadata.get("usage");
    Object result = source.get("result");
    var details = new LinkedHashMap<String, Object>();
    for (String key : List.of("sandbox_id", "repo", "branch", "base_commit", "files_changed", "diff_truncated")) {
      if (metadata.get(key) != null) details.put(key, metadata.get(key));
    }
    if (source.get("verification") != null) details.put("verification", source.get("verification"));
    return new Completion(finished.status(), clock.instant(), null,
        metadata.get("num_turns") instanceof Number n ? n.intValue() : null,
        usage == null ? null : new String(bytes(usage), StandardCharsets.UTF_8),
        metadata.get("total_cost_usd") instanceof Number n ? n.doubleValue() : null,
        finished.error() != null ? finished.error().code().name() : null,
        finished.error() != null ? finished.error().getMessage() : (String) source.get("error"),
        result == null ? null : result.toString(),
        (String) source.get("subtype"),
        metadata.get("model_id") instanceof String s ? s : null,
        artifacts,
        details.isEmpty() ? null : new String(bytes(details), StandardCharsets.UTF_8));
  }

  static byte[] bytes(Object value) {
    try {
      return Json.MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Graceful shutdown: refuse new executions, let running ones finish within the grace period, then cancel
   * what is left (each records it) and wait, bounded, until every one has written its terminal state.
   */
  @Override
  public void close() {
    closing = true;
    long until = System.nanoTime() + config.dispatch().shutdownGrace().toNanos();
    while (!live.isEmpty() && System.nanoTime() < until) sleep(20);
    live.values().forEach(execution -> stop(execution, RunControl.Cause.SHUTDOWN));
    long hardStop = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!live.isEmpty() && System.nanoTime() < hardStop) sleep(20);
    if (!live.isEmpty()) log.error("{} executions did not end within 20 s of being cancelled", live.size());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
