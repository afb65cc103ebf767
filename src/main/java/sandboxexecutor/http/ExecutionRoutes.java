package sandboxexecutor.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import sandboxexecutor.execution.EventLog;
import sandboxexecutor.execution.Executions;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.store.ExecutionMode;
import sandboxexecutor.store.ExecutionQuery;
import sandboxexecutor.store.ExecutionRecord;
import sandboxexecutor.store.ExecutionStatus;
import sandboxexecutor.store.ExecutionStore;
import sandboxexecutor.store.ObjectStore;

/** Looking up, following and cancelling executions: {@code /executions}, {@code /executions/{id}} and below. */
public final class ExecutionRoutes {
  private static final Set<String> LIST_PARAMS = Set.of("status", "mode", "instance_id", "project_id", "created_from",
      "created_to", "limit", "cursor");
  private static final Duration CANCEL_WAIT = Duration.ofSeconds(5);

  private final ExecutionStore store;
  private final ObjectStore objects;
  private final Executions executions;
  private final Duration heartbeat;

  public ExecutionRoutes(ExecutionStore store, ObjectStore objects, Executions executions, Duration heartbeat) {
    this.store = store;
    this.objects = objects;
    this.executions = executions;
    this.heartbeat = heartbeat;
  }

  public void register(RoutesConfig routes) {
    routes.get("/executions", this::list);
    routes.get("/executions/{id}", ctx -> Server.json(ctx, 200, view(find(ctx), true)));
    routes.get("/executions/{id}/events", this::events);
    routes.post("/executions/{id}/cancel", this::cancel);
    routes.delete("/executions/{id}", this::cancel);
  }

  private ExecutionRecord find(Context ctx) {
    String id = ctx.pathParam("id");
    // another instance's execution reads as absent: 404, never 403, so ids of other tenants reveal nothing
    var instance = AccessFilter.caller(ctx).instanceId();
    return (instance.isPresent() ? store.find(id, instance.get()) : store.find(id)).orElseThrow(() -> new ExecutorException(ErrorCode.NOT_FOUND, "No execution " + id));
  }

  private void list(Context ctx) {
    for (String param : ctx.queryParamMap().keySet()) {
      if (!LIST_PARAMS.contains(param)) throw ExecutorException.invalid("Unknown query parameter " + param + "; accepted: " + String.join(", ", LIST_PARAMS.stream().sorted().toList()));
    }
    ExecutionQuery query;
    try {
      String limit = ctx.queryParam("limit");
      query = ExecutionQuery.newest(limit == null ? 20 : Integer.parseInt(limit));
      if (ctx.queryParam("status") != null) query = query.withStatus(enumParam("status", ExecutionStatus::fromWire, ctx.queryParam("status")));
      if (ctx.queryParam("mode") != null) query = query.withMode(enumParam("mode", ExecutionMode::fromWire, ctx.queryParam("mode")));
      if (ctx.queryParam("instance_id") != null) query = query.withInstanceId(ctx.queryParam("instance_id"));
      if (ctx.queryParam("project_id") != null) query = query.withProjectId(ctx.queryParam("project_id"));
      if (ctx.queryParam("created_from") != null) query = query.withCreatedFrom(Instant.parse(ctx.queryParam("created_from")));
      if (ctx.queryParam("created_to") != null) query = query.withCreatedTo(Instant.parse(ctx.queryParam("created_to")));
      if (ctx.queryParam("cursor") != null) query = query.withCursor(ctx.queryParam("cursor"));
      query = AccessFilter.ownInstance(ctx, query.instanceId()).map(query::withInstanceId).orElse(query);
    } catch (NumberFormatException e) {
      throw ExecutorException.invalid("limit must be a whole number from 1 to " + ExecutionQuery.MAX_LIMIT);
    } catch (DateTimeParseException e) {
      throw ExecutorException.invalid("created_from and created_to must be ISO-8601 instants such as 2026-11-26T06:00:00Z");
    } catch (IllegalArgumentException e) {
      throw ExecutorException.invalid(e.getMessage());
    }
    var page = store.list(query);
    var body = new LinkedHashMap<String, Object>();
    body.put("success", true);
    body.put("executions", page.items().stream().map(r -> view(r, false)).toList());
    body.put("next", page.next().orElse(null));
    Server.json(ctx, 200, body);
  }

  private static <E> E enumParam(String name, java.util.function.Function<String, E> parse, String value) {
    try {
      return parse.apply(value);
    } catch (IllegalArgumentException e) {
      throw ExecutorException.invalid(name + ": '" + value + "' is not a valid value");
    }
  }

  private void events(Context ctx) throws InterruptedException {
    var record = find(ctx);
    long last = EventStream.lastEventId(ctx);
    var format = EventStream.requested(ctx, true);
    var live = executions.live(record.id());
    if (live.isPresent()) {
      EventStream.follow(ctx, live.get().events, last, format, heartbeat);
      return;
    }
    EventStream.replay(ctx, storedEvents(record.id()), last, format);
  }

  private List<EventLog.Event> storedEvents(String id) {
    var events = new ArrayList<EventLog.Event>();
    objects.get(ObjectStore.artifactKey(id, "events.ndjson")).ifPresent(bytes -> {
      for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank()) continue;
        try {
          events.add(Json.MAPPER.readValue(line, EventLog.Event.class));
        } catch (IOException e) {
          throw new IllegalStateException("stored events of " + id + " are unreadable", e);
        }
      }
    });
    return events;
  }

  private void cancel(Context ctx) throws InterruptedException {
    var record = find(ctx);
    var live = executions.live(record.id());
    if (live.isEmpty() || record.status().isTerminal()) {
      throw new ExecutorException(ErrorCode.EXECUTION_FINISHED, "Execution " + record.id() + " has already ended (" + record.status().wire() + ")");
    }
    executions.cancel(record.id());
    live.get().awaitEnd(CANCEL_WAIT);
    Server.json(ctx, 200, view(store.find(record.id()).orElse(record), false));
  }

  /** An execution as the API shows it; {@code full} adds the result, transcript, logs and diff. */
  Map<String, Object> view(ExecutionRecord r, boolean full) {
    var m = new LinkedHashMap<String, Object>();
    m.put("id", r.id());
    m.put("mode", r.mode().wire());
    m.put("status", r.status().wire());
    m.put("instance_id", r.instanceId());
    m.put("project_id", r.projectId());
    m.put("model", r.model());
    m.put("model_id", r.modelId());
    m.put("created_at", r.createdAt());
    m.put("started_at", r.startedAt());
    m.put("finished_at", r.finishedAt());
    m.put("duration_ms", r.durationMs());
    m.put("num_turns", r.numTurns());
    m.put("usage", json(r.usage()));
    m.put("total_cost_usd", r.costUsd());
    m.put("error_code", r.errorCode());
    m.put("error", r.errorMessage());
    m.put("subtype", r.subtype());
    m.put("result_summary", r.resultSummary());
    m.put("callback_url", r.callbackUrl());
    m.put("details", json(r.details()));
    if (full) {
      m.put("request", json(r.request()));
      JsonNode result = artifact(r, "result").map(ExecutionRoutes::json).orElse(null);
      // an error result keeps what was done so far under details, as the error response did
      JsonNode parts = result == null ? null : result.has("messages") ? result : result.path("details");
      m.put("result", result);
      m.put("messages", parts == null ? null : parts.get("messages"));
      m.put("logs", parts == null || !parts.hasNonNull("logs") ? null : parts.get("logs").asText());
      m.put("diff", parts == null || !parts.hasNonNull("diff") ? null : parts.get("diff").asText());
      m.put("callback_deliveries", store.deliveries(r.id()).stream().map(d -> {
        var delivery = new LinkedHashMap<String, Object>();
        delivery.put("attempt", d.attempt());
        delivery.put("at", d.at());
        delivery.put("status_code", d.statusCode());
        delivery.put("error", d.error());
        delivery.put("next_attempt_at", d.nextAttemptAt());
        return delivery;
      }).toList());
    }
    return m;
  }

  private java.util.Optional<String> artifact(ExecutionRecord r, String name) {
    String key = r.artifacts().get(name);
    return key == null ? java.util.Optional.empty() : objects.get(key).map(b -> new String(b, StandardCharsets.UTF_8));
  }

  private static JsonNode json(String text) {
    if (text == null) return null;
    try {
      return Json.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new IllegalStateException("stored JSON is unreadable", e);
    }
  }
}
