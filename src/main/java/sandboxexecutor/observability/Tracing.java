package sandboxexecutor.observability;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.slf4j.LoggerFactory;

/**
 * The service's spans, behind verbs the instrumented code calls (GenAI semantic conventions where they exist).
 * Built in {@code Main}: {@link #otlp} exports them in batches over OTLP/HTTP; {@link #off} records nothing, and
 * then a child of the caller's {@code traceparent} carries the caller's own span context, so model calls get the
 * caller's header unchanged. Attributes hold ids, names, counts and statuses, never prompts, model output, tool
 * input or output, or credentials.
 */
public final class Tracing implements AutoCloseable {
  private static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(10);
  private static final String PROVIDER = "anthropic";

  private final Tracer tracer;
  private final SdkTracerProvider provider; // null when off

  private Tracing(Tracer tracer, SdkTracerProvider provider) {
    this.tracer = tracer;
    this.provider = provider;
  }

  public static Tracing off() {
    return new Tracing(OpenTelemetry.noop().getTracer("sandbox-executor"), null);
  }

  /**
   * @param endpoint    the full URL spans are POSTed to ({@code .../v1/traces})
   * @param headers     sent with every export (credentials, usually)
   * @param sampleRatio of root traces; parent-based, so a caller's sampled flag decides for its traces
   */
  public static Tracing otlp(URI endpoint, Map<String, String> headers, String serviceName, String serviceVersion,
                             double sampleRatio) {
    ExporterLog.install();
    var exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint(endpoint.toString())
        .setHeaders(() -> headers)
        .setTimeout(EXPORT_TIMEOUT) // retries of an unreachable collector included
        .setMeterProvider(MeterProvider::noop)
        .build();
    // the queue is bounded: spans a slow or absent collector cannot take are dropped, never waited for
    var processor = BatchSpanProcessor.builder(exporter)
        .setMaxQueueSize(2_048)
        .setExporterTimeout(EXPORT_TIMEOUT)
        .setMeterProvider(MeterProvider::noop)
        .build();
    var provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), serviceName,
            AttributeKey.stringKey("service.version"), serviceVersion))))
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampleRatio)))
        .addSpanProcessor(processor)
        .setMeterProvider(MeterProvider::noop)
        .build();
    return new Tracing(provider.get("sandbox-executor"), provider);
  }

  /** An execution, from acceptance to its terminal state; a child of the caller's trace when it sent one. */
  public Traced execution(String executionId, String instanceId, String mode, String modelId,
                          Optional<TraceContext> caller) {
    Context parent = caller.map(t -> Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(t.traceId(),
        t.parentId(), TraceFlags.fromHex(t.flags(), 0), TraceState.getDefault())))).orElse(Context.root());
    return new Traced(tracer.spanBuilder("invoke_agent " + mode).setParent(parent).setSpanKind(SpanKind.INTERNAL)
        .setAttribute("gen_ai.operation.name", "invoke_agent")
        .setAttribute("gen_ai.provider.name", PROVIDER)
        .setAttribute("gen_ai.request.model", modelId)
        .setAttribute("sandbox_executor.execution.id", executionId)
        .setAttribute("sandbox_executor.instance.id", instanceId)
        .setAttribute("sandbox_executor.mode", mode)
        .startSpan());
  }

  /** One model call, retries of a broken stream included; its context is the {@code traceparent} sent with it. */
  public Traced chat(Context parent, String modelId, long maxTokens) {
    return new Traced(tracer.spanBuilder("chat " + modelId).setParent(parent).setSpanKind(SpanKind.CLIENT)
        .setAttribute("gen_ai.operation.name", "chat")
        .setAttribute("gen_ai.provider.name", PROVIDER)
        .setAttribute("gen_ai.system", PROVIDER) // the older name, which many backends still read
        .setAttribute("gen_ai.request.model", modelId)
        .setAttribute("gen_ai.request.max_tokens", maxTokens)
        .startSpan());
  }

  /** One tool call; {@code name} is one of ours ("unknown" for names the model made up). */
  public Traced tool(Context parent, String name, String callId) {
    return new Traced(tracer.spanBuilder("execute_tool " + name).setParent(parent).setSpanKind(SpanKind.INTERNAL)
        .setAttribute("gen_ai.operation.name", "execute_tool")
        .setAttribute("gen_ai.tool.name", name)
        .setAttribute("gen_ai.tool.call.id", callId)
        .startSpan());
  }

  /** A step of an execution outside the agent loop (sandbox creation, clone, setup, verify). */
  public Traced step(Context parent, String name) {
    return new Traced(tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.INTERNAL).startSpan());
  }

  /** Exports every ended span now; waits at most the export timeout. */
  public void flush() {
    if (provider != null) provider.forceFlush().join(EXPORT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Exports what is left and stops; bounded like {@link #flush}. */
  @Override
  public void close() {
    if (provider != null) provider.shutdown().join(EXPORT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A started span. Closing ends it, as an error unless {@link #succeeded} (or a verb that implies it) came first. */
  public static final class Traced implements AutoCloseable {
    private final Span span;
    private volatile boolean ok;
    private volatile String errorType;

    private Traced(Span span) {
      this.span = span;
    }

    /** The parent for spans below this one. */
    public Context context() {
      return Context.root().with(span);
    }

    /** For logs: absent when neither the SDK nor the caller started a trace. */
    public Optional<String> traceId() {
      return span.getSpanContext().isValid() ? Optional.of(span.getSpanContext().getTraceId()) : Optional.empty();
    }

    /** The W3C header that makes a downstream call a child of this span; absent when there is no trace. */
    public Optional<String> traceparent() {
      var headers = new HashMap<String, String>();
      W3CTraceContextPropagator.getInstance().inject(context(), headers, Map::put);
      return Optional.ofNullable(headers.get("traceparent"));
    }

    public void succeeded() {
      ok = true;
    }

    /** Ends as an error of this type (an error code, an HTTP status) whatever else was said. */
    public void failed(String errorType) {
      ok = false;
      this.errorType = errorType;
      span.setAttribute("error.type", errorType);
    }

    /** The execution's terminal state; an error unless it succeeded. */
    public void executionEnded(String status, Integer turns, Double costUsd, String errorCode) {
      span.setAttribute("sandbox_executor.execution.status", status);
      if (turns != null) span.setAttribute("sandbox_executor.execution.turns", turns.longValue());
      if (costUsd != null) span.setAttribute("sandbox_executor.execution.cost_usd", costUsd);
      if (errorCode != null) failed(errorCode); else if (status.equals("succeeded")) succeeded(); else failed(status);
    }

    /** The model's answer, without its content. {@code inputTokens} counts cache reads and writes too. */
    public void answered(String responseId, String responseModel, String finishReason, long inputTokens,
                         long outputTokens, long cacheReadTokens, long cacheWriteTokens) {
      span.setAttribute("gen_ai.response.id", responseId);
      span.setAttribute("gen_ai.response.model", responseModel);
      if (finishReason != null) span.setAttribute(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of(finishReason));
      span.setAttribute("gen_ai.usage.input_tokens", inputTokens + cacheReadTokens + cacheWriteTokens);
      span.setAttribute("gen_ai.usage.output_tokens", outputTokens);
      span.setAttribute("gen_ai.usage.cache_read.input_tokens", cacheReadTokens);
      span.setAttribute("gen_ai.usage.cache_creation.input_tokens", cacheWriteTokens);
      succeeded();
    }

    /** The model call is tried again after its stream broke (the SDK's own retries are not seen). */
    public void retried(int retries) {
      span.setAttribute("sandbox_executor.stream_retries", retries);
    }

    @Override
    public void close() {
      if (!ok) {
        if (errorType == null) span.setAttribute("error.type", "_OTHER"); // an exception escaped; the log has it
        span.setStatus(StatusCode.ERROR, errorType == null ? "" : errorType);
      }
      span.end();
    }
  }

  /**
   * The exporter reports failures through java.util.logging, an unreachable collector at SEVERE; they go to our
   * logs at WARN at most, since lost spans are no failure of the service. The SDK already throttles them.
   */
  private static final class ExporterLog extends Handler {
    // held: java.util.logging keeps loggers only weakly, and would forget the handler
    private static final java.util.logging.Logger OTEL = java.util.logging.Logger.getLogger("io.opentelemetry");
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    static void install() {
      if (!INSTALLED.compareAndSet(false, true)) return;
      OTEL.setUseParentHandlers(false);
      OTEL.addHandler(new ExporterLog());
    }

    @Override
    public void publish(LogRecord record) {
      var log = LoggerFactory.getLogger(record.getLoggerName());
      String message = record.getThrown() == null ? record.getMessage() : record.getMessage() + " (" + record.getThrown() + ")";
      int level = record.getLevel().intValue();
      if (level >= Level.WARNING.intValue()) log.warn(message);
      else if (level >= Level.INFO.intValue()) log.info(message);
      else log.debug(message);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }
}
