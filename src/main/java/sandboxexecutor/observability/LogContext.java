package sandboxexecutor.observability;

import java.util.Map;
import org.slf4j.MDC;

/**
 * The MDC keys every log line may carry, and moving them onto other threads. MDC is per thread and virtual
 * threads inherit nothing, so code that hands work to another thread takes a {@link #capture} along.
 */
public final class LogContext {
  public static final String REQUEST_ID = "request_id";
  public static final String EXECUTION_ID = "execution_id";
  public static final String INSTANCE_ID = "instance_id";
  public static final String TRACE_ID = "trace_id";

  private LogContext() {}

  /** This thread's MDC, to restore on another thread; never null. */
  public static Map<String, String> capture() {
    Map<String, String> map = MDC.getCopyOfContextMap();
    return map == null ? Map.of() : map;
  }

  /** Runs {@code task} with {@code context} as this thread's MDC, then restores what was there. */
  public static <T, E extends Exception> T with(Map<String, String> context, Task<T, E> task) throws E {
    Map<String, String> before = MDC.getCopyOfContextMap();
    MDC.setContextMap(context);
    try {
      return task.run();
    } finally {
      if (before == null) MDC.clear(); else MDC.setContextMap(before);
    }
  }

  @FunctionalInterface
  public interface Task<T, E extends Exception> {
    T run() throws E;
  }
}
