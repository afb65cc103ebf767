package sandboxexecutor.agent;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.RequestOptions;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sandboxexecutor.observability.Metrics;
import sandboxexecutor.observability.Tracing;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

/**
 * Streams one model turn through the official SDK. The SDK retries failed requests (429, 529, 5xx, honouring
 * retry-after) before a stream starts; this class also retries a stream that breaks mid-way, and turns what
 * is left into an {@link ExecutorException} with UPSTREAM_ERROR or RATE_LIMITED.
 */
public final class ClaudeTurns {
  private static final Logger log = LoggerFactory.getLogger(ClaudeTurns.class);

  /** Raised when the run was stopped (deadline, cancel) while a turn streamed. */
  public static final class Stopped extends Exception {
    Stopped() {
      super(null, null, false, false);
    }
  }

  public record Turn(Message message, Duration apiTime) {}

  private final AnthropicClient client;
  private final int streamRetries;
  private final Duration retryBackoff;
  private final Metrics metrics;
  private final Tracing tracing;

  public ClaudeTurns(AnthropicClient client, int streamRetries, Duration retryBackoff, Metrics metrics, Tracing tracing) {
    this.client = client;
    this.metrics = metrics;
    this.streamRetries = streamRetries;
    this.retryBackoff = retryBackoff;
    this.tracing = tracing;
  }

  /**
   * @param trace the parent of this call's span, whose context goes to the API as the {@code traceparent} header
   *              (so a gateway's or Anthropic's spans join the trace)
   */
  public Turn stream(MessageCreateParams params, RunControl control, Context trace,
                     Consumer<RawMessageStreamEvent> onEvent) throws Stopped {
    try (var span = tracing.chat(trace, params.model().asString(), params.maxTokens())) {
      var traceparent = span.traceparent();
      if (traceparent.isPresent()) params = params.toBuilder().replaceAdditionalHeaders("traceparent", traceparent.get()).build();
      try {
        Turn turn = attempts(params, control, onEvent, span);
        Message m = turn.message();
        span.answered(m.id(), m.model().asString(), m.stopReason().map(Object::toString).orElse(null),
            m.usage().inputTokens(), m.usage().outputTokens(), m.usage().cacheReadInputTokens().orElse(0L),
            m.usage().cacheCreationInputTokens().orElse(0L));
        return turn;
      } catch (Stopped e) {
        span.failed("cancelled");
        throw e;
      }
    }
  }

  private Turn attempts(MessageCreateParams params, RunControl control, Consumer<RawMessageStreamEvent> onEvent,
                        Tracing.Traced span) throws Stopped {
    long started = System.nanoTime();
    for (int attempt = 0; ; attempt++) {
      if (control.stopped() != null) throw new Stopped();
      Duration left = control.remaining();
      if (left.isZero()) throw new Stopped();
      var accumulator = MessageAccumulator.create();
      var options = RequestOptions.builder().timeout(left).build();
      boolean started_ = false;
      try (var stream = client.messages().createStreaming(params, options);
           var ignored = control.track(stream)) {
        started_ = true;
        stream.stream().forEach(event -> {
          accumulator.accumulate(event);
          onEvent.accept(event);
        });
        return new Turn(accumulator.message(), Duration.ofNanos(System.nanoTime() - started));
      } catch (RuntimeException e) {
        if (control.stopped() != null) throw new Stopped();
        if (!retryable(e, started_) || attempt >= streamRetries) throw failed(e, span);
        log.warn("model stream broke ({}); retrying turn, attempt {}", e.toString(), attempt + 1);
        metrics.upstreamRetry();
        span.retried(attempt + 1);
        try {
          Thread.sleep(retryBackoff.multipliedBy(1L << attempt).toMillis());
        } catch (InterruptedException interrupted) {
          throw new Stopped();
        }
      } catch (Exception e) {
        // StreamResponse.close() declares Exception; nothing else checked is thrown here
        throw failed(e, span);
      }
    }
  }

  private ExecutorException failed(Throwable e, Tracing.Traced span) {
    String status = e instanceof AnthropicServiceException service ? Integer.toString(service.statusCode()) : "io";
    metrics.upstreamFailure(status);
    span.failed(status);
    return upstreamError(e);
  }

  /** A stream that broke after it started (I/O, or an overloaded/api error event) is worth another try. */
  private static boolean retryable(RuntimeException e, boolean streamStarted) {
    if (e instanceof SseException sse) {
      String type = sse.type().map(Object::toString).orElse("");
      return type.contains("overloaded") || type.contains("api_error");
    }
    if (e instanceof AnthropicIoException) return true;
    return streamStarted && !(e instanceof AnthropicServiceException) && !(e instanceof IllegalArgumentException);
  }

  static ExecutorException upstreamError(Throwable e) {
    if (e instanceof ExecutorException executorException) return executorException;
    if (e instanceof RateLimitException rate) {
      Duration retryAfter = rate.headers().values("retry-after").stream().findFirst()
          .flatMap(ClaudeTurns::seconds).orElse(Duration.ofSeconds(30));
      return new ExecutorException(ErrorCode.RATE_LIMITED,
          "The Anthropic API rate-limited this service (429) and retries did not help; try again after "
              + retryAfter.toSeconds() + " s", Map.of("upstream_status", 429), retryAfter, e);
    }
    if (e instanceof AnthropicServiceException service) {
      String message = service.apiMessage().orElse(service.getMessage());
      return new ExecutorException(ErrorCode.UPSTREAM_ERROR,
          "The Anthropic API answered " + service.statusCode() + ": " + message,
          Map.of("upstream_status", service.statusCode()), null, e);
    }
    return new ExecutorException(ErrorCode.UPSTREAM_ERROR,
        "The Anthropic API could not be reached or its stream broke: " + e.getMessage(), e);
  }

  private static java.util.Optional<Duration> seconds(String value) {
    try {
      return java.util.Optional.of(Duration.ofSeconds(Math.max(1, (long) Math.ceil(Double.parseDouble(value.trim())))));
    } catch (NumberFormatException e) {
      return java.util.Optional.empty();
    }
  }
}
