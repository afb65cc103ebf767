package sandboxexecutor.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The service's meters, behind verbs the instrumented code calls. The registry is built in {@code Main} and
 * passed in; Micrometer names map to Prometheus names ({@code sandbox_executor.executions} is scraped as
 * {@code sandbox_executor_executions_total}). Labels are bounded: modes, statuses, tool names of our registries,
 * model ids of the catalog, HTTP status codes.
 */
public final class Metrics {
  private final MeterRegistry registry;
  private final Counter rateLimitRejections;

  public Metrics(MeterRegistry registry) {
    this.registry = registry;
    // registered now so dashboards see it at 0; the authentication layer increments it
    this.rateLimitRejections = Counter.builder("sandbox_executor.rate_limit.rejections")
        .description("Requests refused by the service's own rate limits").register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Queue depth and live executions, read when scraped. */
  public void executionGauges(Supplier<Number> queued, Supplier<Number> live) {
    Gauge.builder("sandbox_executor.executions.queued", queued).description("Executions waiting for a slot")
        .strongReference(true).register(registry);
    Gauge.builder("sandbox_executor.executions.live", live).description("Executions accepted and not yet ended")
        .strongReference(true).register(registry);
  }

  /** An execution reached its terminal state; {@code turns} is null when the agent never ran. */
  public void executionEnded(String mode, String status, Duration sinceAccepted, Integer turns) {
    Counter.builder("sandbox_executor.executions").description("Executions by mode and terminal status")
        .tag("mode", mode).tag("status", status).register(registry).increment();
    Timer.builder("sandbox_executor.execution.duration").description("From acceptance to the terminal state")
        .tag("mode", mode).tag("status", status).register(registry).record(sinceAccepted);
    if (turns != null) {
      DistributionSummary.builder("sandbox_executor.execution.turns").description("Model turns per execution")
          .tag("mode", mode).register(registry).record(turns);
    }
  }

  /** One model call's usage and cost (the agent's turns and its tools' own model calls). */
  public void modelCall(String modelId, long inputTokens, long outputTokens, long cacheReadTokens,
                        long cacheWriteTokens, double costUsd) {
    tokens(modelId, "input", inputTokens);
    tokens(modelId, "output", outputTokens);
    tokens(modelId, "cache_read", cacheReadTokens);
    tokens(modelId, "cache_write", cacheWriteTokens);
    Counter.builder("sandbox_executor.cost.usd").description("Model cost in USD by model")
        .tag("model", modelId).register(registry).increment(costUsd);
  }

  private void tokens(String modelId, String type, long count) {
    Counter.builder("sandbox_executor.tokens").description("Tokens by model and type")
        .tag("model", modelId).tag("type", type).register(registry).increment(count);
  }

  /** A tool call ended; {@code tool} is "unknown" for names the model made up. */
  public void toolCall(String tool, boolean error) {
    Counter.builder("sandbox_executor.tool.calls").description("Tool calls by tool")
        .tag("tool", tool).register(registry).increment();
    if (error) {
      Counter.builder("sandbox_executor.tool.errors").description("Tool calls that returned is_error")
          .tag("tool", tool).register(registry).increment();
    }
  }

  /** Creating a sandbox (workspace, uid, process limits) took this long. */
  public void sandboxStarted(Duration took) {
    Timer.builder("sandbox_executor.sandbox.start").description("Sandbox creation").register(registry).record(took);
  }

  /** A model turn is tried again after its stream broke. */
  public void upstreamRetry() {
    Counter.builder("sandbox_executor.upstream.retries").description("Model turns retried after a broken stream")
        .register(registry).increment();
  }

  /** A model call failed for good; {@code status} is the HTTP status, or "io" when there was none. */
  public void upstreamFailure(String status) {
    Counter.builder("sandbox_executor.upstream.failures").description("Model calls that failed after retries")
        .tag("status", status).register(registry).increment();
  }

  public void rateLimitRejected() {
    rateLimitRejections.increment();
  }

  /** Instance settings could not be fetched and a stale or fallback value was used. */
  public void instanceConfigFallback(String reason) {
    Counter.builder("sandbox_executor.instance_config.fallbacks")
        .description("Instance settings served stale or from the fallback because the config service failed")
        .tag("reason", reason).register(registry).increment();
  }
}
