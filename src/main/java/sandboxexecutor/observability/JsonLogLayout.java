package sandboxexecutor.observability;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One JSON object per log event, on one line: {@code timestamp} (ISO-8601 UTC), {@code level}, {@code logger},
 * {@code thread}, {@code message}, every MDC entry as a top-level field ({@code request_id}, {@code execution_id},
 * {@code instance_id}, {@code trace_id}), and {@code exception} (the stack trace) when there is one. Used by
 * {@link LogSetup} when {@code LOG_FORMAT=json}.
 */
public final class JsonLogLayout extends LayoutBase<ILoggingEvent> {
  private static final JsonFactory JSON = new JsonFactory();

  @Override
  public String doLayout(ILoggingEvent event) {
    var out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("timestamp", Instant.ofEpochMilli(event.getTimeStamp()).toString());
      g.writeStringField("level", event.getLevel().toString());
      g.writeStringField("logger", event.getLoggerName());
      g.writeStringField("thread", event.getThreadName());
      g.writeStringField("message", event.getFormattedMessage());
      Map<String, String> mdc = event.getMDCPropertyMap();
      if (mdc != null) {
        for (var e : new TreeMap<>(mdc).entrySet()) {
          if (!isReserved(e.getKey())) g.writeStringField(e.getKey(), e.getValue());
        }
      }
      if (event.getThrowableProxy() != null) g.writeStringField("exception", ThrowableProxyUtil.asString(event.getThrowableProxy()));
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.append(CoreConstants.LINE_SEPARATOR).toString();
  }

  private static boolean isReserved(String key) {
    return switch (key) {
      case "timestamp", "level", "logger", "thread", "message", "exception" -> true;
      default -> false;
    };
  }

  @Override
  public String getContentType() {
    return "application/json";
  }
}
