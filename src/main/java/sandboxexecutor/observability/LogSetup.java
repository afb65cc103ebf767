package sandboxexecutor.observability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies LOG_FORMAT and LOG_LEVEL as {@code Config} parsed them (so a {@code .env} file counts too): one console
 * appender on the root logger, text or JSON lines. {@code logback.xml} reads LOG_LEVEL from the process
 * environment for whatever is logged before this runs.
 */
public final class LogSetup {
  public static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX} %-5level [%thread] %logger{24} [%X{request_id:-}] - %msg%n";

  private LogSetup() {}

  public static void apply(String format, String level) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) return;
    Encoder<ILoggingEvent> encoder;
    if (format.equals("json")) {
      var layout = new JsonLogLayout();
      layout.setContext(context);
      layout.start();
      var wrapping = new LayoutWrappingEncoder<ILoggingEvent>();
      wrapping.setLayout(layout);
      encoder = wrapping;
    } else {
      var pattern = new PatternLayoutEncoder();
      pattern.setPattern(TEXT_PATTERN);
      encoder = pattern;
    }
    encoder.setContext(context);
    encoder.start();
    var appender = new ConsoleAppender<ILoggingEvent>();
    appender.setName(format);
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.start();
    var root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    root.addAppender(appender);
    root.setLevel(Level.toLevel(level, Level.INFO));
    context.getLogger("io.javalin").setLevel(Level.toLevel(level, Level.INFO));
  }
}
