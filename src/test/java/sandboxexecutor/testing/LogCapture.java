package sandboxexecutor.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.LoggerFactory;
import sandboxexecutor.observability.JsonLogLayout;

/** Captures every log event of the process, rendered by the JSON layout, while open; restores the root level. */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
  private final JsonLogLayout layout = new JsonLogLayout();
  private final Logger root;
  private final Level before;

  public LogCapture(Level level) {
    var context = (LoggerContext) LoggerFactory.getILoggerFactory();
    root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    before = root.getLevel();
    layout.setContext(context);
    layout.start();
    setContext(context);
    setName("capture");
    start();
    root.addAppender(this);
    root.setLevel(level);
  }

  @Override
  protected void append(ILoggingEvent event) {
    lines.add(layout.doLayout(event));
  }

  public List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  public String all() {
    return String.join("", lines());
  }

  @Override
  public void close() {
    root.detachAppender(this);
    root.setLevel(before);
    stop();
  }
}
