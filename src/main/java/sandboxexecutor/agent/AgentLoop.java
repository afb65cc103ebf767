package sandboxexecutor.agent;

import com.anthropic.core.JsonValue;
import com.anthropic.core.ObjectMappers;
import com.anthropic.models.messages.CacheControlEphemeral;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageParam;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.TextBlock;
import com.anthropic.models.messages.TextBlockParam;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUnion;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import sandboxexecutor.config.Config;
import sandboxexecutor.config.ModelCatalog;
import sandboxexecutor.observability.Metrics;
import sandboxexecutor.observability.Tracing;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.protocol.SdkMessage;
import sandboxexecutor.protocol.StopReason;
import sandboxexecutor.sandbox.Sandbox;
import sandboxexecutor.tools.ModelAccess;
import sandboxexecutor.tools.TodoList;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolContext;
import sandboxexecutor.tools.ToolRegistry;
import sandboxexecutor.tools.ToolResult;

/**
 * The agent loop both modes share: send, stream the assistant turn, run its tool calls, send the results back,
 * until the model ends its turn or a limit (turns, budget, deadline, cancel) stops it. It does not know where
 * tools run; they get a {@link ToolContext}. Prompt caching follows Claude Code: breakpoints on the tools, the
 * system prompt and the last two user turns, so each turn reads the growing prefix from cache.
 */
public final class AgentLoop {
  private static final CacheControlEphemeral CACHE = CacheControlEphemeral.builder().build();

  /**
   * One run's settings, decided by {@link RunSetup}. {@code readOnly} is the {@code plan} permission mode; {@code trace}
   * is the parent of the run's model and tool spans.
   */
  public record Run(
      String sessionId,
      String prompt,
      String systemPrompt,
      String modelId,
      List<Tool> tools,
      ToolRegistry registry,
      boolean readOnly,
      String permissionMode,
      int maxTurns,
      Double maxBudgetUsd,
      long maxTokens,
      long timeoutMs,
      String cwd,
      Optional<Sandbox> sandbox,
      Context trace) {

    public Run withSandbox(Sandbox box) {
      return new Run(sessionId, prompt, systemPrompt, modelId, tools, registry, readOnly, permissionMode, maxTurns,
          maxBudgetUsd, maxTokens, timeoutMs, cwd, Optional.of(box), trace);
    }
  }

  public record Outcome(
      StopReason stop,
      List<SdkMessage> messages,
      String result,
      int numTurns,
      double costUsd,
      JsonNode usage,
      long apiDurationMs,
      List<TodoList.Todo> todos) {}

  /** Receives transcript messages as they happen, and raw stream events for callers that want partial text. */
  public interface Listener {
    Listener NONE = new Listener() {};

    default void onMessage(SdkMessage message) {}

    default void onStreamEvent(RawMessageStreamEvent event) {}

    /** A chunk of a running tool's output (sandbox commands), for streaming callers. */
    default void onToolOutput(String toolUseId, String stream, String chunk) {}
  }

  private final ClaudeTurns claude;
  private final ModelCatalog catalog;
  private final Metrics metrics;
  private final Tracing tracing;

  public AgentLoop(ClaudeTurns claude, ModelCatalog catalog, Metrics metrics, Tracing tracing) {
    this.claude = claude;
    this.catalog = catalog;
    this.metrics = metrics;
    this.tracing = tracing;
  }

  public Outcome run(Run run, RunControl control, Listener listener) {
    return new Execution(run, control, listener).go();
  }

  /** The mutable state of one run, confined to the thread that runs it (tool threads touch only the ledger). */
  private final class Execution {
    final Run run;
    final RunControl control;
    final Listener listener;
    final long started = System.nanoTime();
    final AtomicLong apiNanos = new AtomicLong();
    final UsageLedger ledger = new UsageLedger(catalog);
    final TodoList todos = new TodoList();
    final List<SdkMessage> messages = Collections.synchronizedList(new ArrayList<>());
    final List<SdkMessage.PermissionDenial> denials = Collections.synchronizedList(new ArrayList<>());
    final List<MessageParam> conversation = new ArrayList<>();
    int turns;

    Execution(Run run, RunControl control, Listener listener) {
      this.run = run;
      this.control = control;
      this.listener = listener;
    }

    Outcome go() {
      emit(new SdkMessage.SystemInit(run.cwd(), run.tools().stream().map(Tool::name).toList(), run.modelId(),
          run.permissionMode(), "ANTHROPIC_API_KEY", "sandbox-executor/" + Config.VERSION, uuid(), run.sessionId()));
      conversation.add(userTurn(List.of(ContentBlockParam.ofText(TextBlockParam.builder().text(run.prompt()).build()))));
      StopReason stop;
      String text = null;
      try (var enlisted = control.enlist()) {
        stop = loop();
        if (stop instanceof StopReason.EndTurn end) text = end.text();
      } catch (ClaudeTurns.Stopped | InterruptedException e) {
        stop = stoppedBy(control.stopped());
      } catch (ExecutorException e) {
        stop = new StopReason.Failed(e);
      } catch (Exception e) {
        stop = new StopReason.Failed(new ExecutorException(ErrorCode.INTERNAL_ERROR, "The agent loop failed: " + e, e));
      } finally {
        Thread.interrupted(); // a stop may have interrupted this thread; the rest must not see it
      }
      long durationMs = (System.nanoTime() - started) / 1_000_000;
      long apiMs = apiNanos.get() / 1_000_000;
      String error = StopReason.describe(stop);
      double cost = ledger.totalCostUsd();
      JsonNode usage = ledger.usageJson();
      emit(new SdkMessage.Result(StopReason.subtype(stop), error != null, durationMs, apiMs, turns, text,
          stop instanceof StopReason.EndTurn end ? end.apiStopReason() : null, cost, usage, ledger.modelUsageJson(),
          List.copyOf(denials), error == null ? null : List.of(error), uuid(), run.sessionId()));
      return new Outcome(stop, List.copyOf(messages), text, turns, cost, usage, apiMs, todos.get());
    }

    private StopReason loop() throws ClaudeTurns.Stopped, InterruptedException {
      var toolParams = toolParams(run.tools());
      Map<String, Tool> available = new LinkedHashMap<>();
      run.tools().forEach(t -> available.put(t.name(), t));
      var toolCalls = new ToolCalls(available, run.registry(), run.readOnly(), run.sandbox(), todos, this::modelAccess,
          control, denials, listener, metrics, tracing, run.trace());
      while (true) {
        var params = MessageCreateParams.builder()
            .model(run.modelId())
            .maxTokens(run.maxTokens())
            .systemOfTextBlockParams(List.of(TextBlockParam.builder().text(run.systemPrompt()).cacheControl(CACHE).build()))
            .messages(withCacheBreakpoints(conversation));
        if (!toolParams.isEmpty()) params.tools(toolParams);
        Message message = call(params.build(), listener, run.trace());
        turns++;
        emit(new SdkMessage.Assistant(ObjectMappers.jsonMapper().valueToTree(message), null, uuid(), run.sessionId()));
        conversation.add(message.toParam());
        String apiStop = message.stopReason().map(Object::toString).orElse(null);
        List<ToolUseBlock> uses = message.content().stream().filter(ContentBlock::isToolUse).map(ContentBlock::asToolUse).toList();
        if ("pause_turn".equals(apiStop)) {
          // A server tool paused a long turn: send the conversation back as it is and the model resumes.
          if (turns >= run.maxTurns()) return new StopReason.MaxTurns(run.maxTurns());
          continue;
        }
        if (uses.isEmpty()) {
          if ("refusal".equals(apiStop)) {
            return new StopReason.Failed(new ExecutorException(ErrorCode.UPSTREAM_ERROR, "The model refused to continue this task"));
          }
          return new StopReason.EndTurn(text(message), apiStop);
        }
        if (turns >= run.maxTurns()) return new StopReason.MaxTurns(run.maxTurns());
        Optional<StopReason> overBudget = overBudget();
        if (overBudget.isPresent()) return overBudget.get();
        var calls = uses.stream().map(u -> new ToolCalls.Call(u.id(), u.name(),
            ObjectMappers.jsonMapper().valueToTree(u._input()))).toList();
        List<ToolResult> results = toolCalls.run(calls);
        var blocks = new ArrayList<ContentBlockParam>();
        for (int i = 0; i < calls.size(); i++) {
          blocks.add(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId(calls.get(i).id())
              .content(results.get(i).content()).isError(results.get(i).isError()).build()));
        }
        conversation.add(userTurn(blocks));
        emit(new SdkMessage.User(toolResultsJson(calls, results), null, uuid(), run.sessionId()));
        overBudget = overBudget();
        if (overBudget.isPresent()) return overBudget.get();
      }
    }

    private Message call(MessageCreateParams params, Listener events, Context trace) throws ClaudeTurns.Stopped {
      var turn = claude.stream(params, control, trace, events::onStreamEvent);
      apiNanos.addAndGet(turn.apiTime().toNanos());
      var usage = turn.message().usage();
      double cost = ledger.add(params.model().asString(), usage);
      metrics.modelCall(params.model().asString(), usage.inputTokens(), usage.outputTokens(),
          usage.cacheReadInputTokens().orElse(0L), usage.cacheCreationInputTokens().orElse(0L), cost);
      return turn.message();
    }

    private Optional<StopReason> overBudget() {
      double cost = ledger.totalCostUsd();
      if (run.maxBudgetUsd() != null && cost > run.maxBudgetUsd()) {
        return Optional.of(new StopReason.OverBudget(cost, run.maxBudgetUsd()));
      }
      return Optional.empty();
    }

    private StopReason stoppedBy(RunControl.Cause cause) {
      if (cause == null) return new StopReason.Cancelled("interrupted");
      return switch (cause) {
        case DEADLINE -> new StopReason.PastDeadline(run.timeoutMs());
        case CANCELLED -> new StopReason.Cancelled("cancelled by request");
        case SHUTDOWN -> new StopReason.Cancelled("the server is shutting down");
      };
    }

    private void emit(SdkMessage message) {
      messages.add(message);
      listener.onMessage(message);
    }

    /** Model calls tools make, on this run's account and under its control, traced under {@code trace}. */
    ModelAccess modelAccess(Context trace) {
      return new ModelAccess() {
        @Override public String resolveModel(String aliasOrId) { return catalog.resolve(aliasOrId); }

        @Override public String executionModel() { return run.modelId(); }

        @Override
        public Message complete(MessageCreateParams params) throws InterruptedException {
          try {
            return call(params, Listener.NONE, trace);
          } catch (ClaudeTurns.Stopped e) {
            throw new InterruptedException("run stopped");
          }
        }
      };
    }
  }

  private static List<ToolUnion> toolParams(List<Tool> tools) {
    var params = new ArrayList<ToolUnion>();
    for (int i = 0; i < tools.size(); i++) {
      Tool tool = tools.get(i);
      JsonNode schema = tool.inputSchema();
      var inputSchema = com.anthropic.models.messages.Tool.InputSchema.builder()
          .properties(JsonValue.from(Json.MAPPER.convertValue(schema.get("properties"), Object.class)));
      if (schema.has("required")) {
        var required = new ArrayList<String>();
        schema.get("required").forEach(n -> required.add(n.asText()));
        inputSchema.required(required);
      }
      if (schema.has("additionalProperties")) {
        inputSchema.putAdditionalProperty("additionalProperties", JsonValue.from(schema.get("additionalProperties").asBoolean()));
      }
      var definition = com.anthropic.models.messages.Tool.builder()
          .name(tool.name()).description(tool.description()).inputSchema(inputSchema.build());
      if (i == tools.size() - 1) definition.cacheControl(CACHE);
      params.add(ToolUnion.ofTool(definition.build()));
    }
    return params;
  }

  private static MessageParam userTurn(List<ContentBlockParam> blocks) {
    return MessageParam.ofUserOfContentBlockParams(blocks);
  }

  /** The conversation as sent: the last block of each of the last two user turns carries a cache breakpoint. */
  static List<MessageParam> withCacheBreakpoints(List<MessageParam> conversation) {
    var out = new ArrayList<>(conversation);
    int marked = 0;
    for (int i = out.size() - 1; i >= 0 && marked < 2; i--) {
      MessageParam m = out.get(i);
      if (!m.isUser() || !m.content().isContentBlockParams()) continue;
      var blocks = new ArrayList<>(m.content().asContentBlockParams());
      int last = blocks.size() - 1;
      ContentBlockParam block = blocks.get(last);
      if (block.isText()) {
        blocks.set(last, ContentBlockParam.ofText(block.asText().toBuilder().cacheControl(CACHE).build()));
      } else if (block.isToolResult()) {
        blocks.set(last, ContentBlockParam.ofToolResult(block.asToolResult().toBuilder().cacheControl(CACHE).build()));
      }
      out.set(i, MessageParam.ofUserOfContentBlockParams(blocks));
      marked++;
    }
    return out;
  }

  private static String text(Message message) {
    return message.content().stream().filter(ContentBlock::isText).map(ContentBlock::asText).map(TextBlock::text)
        .collect(Collectors.joining("\n")).strip();
  }

  private static JsonNode toolResultsJson(List<ToolCalls.Call> calls, List<ToolResult> results) {
    ObjectNode message = Json.MAPPER.createObjectNode().put("role", "user");
    var content = message.putArray("content");
    for (int i = 0; i < calls.size(); i++) {
      content.addObject().put("type", "tool_result").put("tool_use_id", calls.get(i).id())
          .put("content", results.get(i).content()).put("is_error", results.get(i).isError());
    }
    return message;
  }

  private static String uuid() {
    return UUID.randomUUID().toString();
  }

}
