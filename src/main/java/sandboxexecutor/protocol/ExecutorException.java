package sandboxexecutor.protocol;

import java.time.Duration;
import java.util.Map;

/**
 * A failure a caller should hear about, with a stable {@link ErrorCode} and a message a person can act on.
 * Services throw it; only http/ErrorMapper turns it into a status code and a JSON body.
 */
public final class ExecutorException extends RuntimeException {
  private final ErrorCode code;
  private final Map<String, Object> details;
  private final Duration retryAfter;

  public ExecutorException(ErrorCode code, String message) {
    this(code, message, Map.of(), null, null);
  }

  public ExecutorException(ErrorCode code, String message, Throwable cause) {
    this(code, message, Map.of(), null, cause);
  }

  public ExecutorException(ErrorCode code, String message, Map<String, Object> details, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
    this.retryAfter = retryAfter;
  }

  public static ExecutorException invalid(String message) {
    return new ExecutorException(ErrorCode.INVALID_REQUEST, message);
  }

  public ErrorCode code() { return code; }

  /** The error body every API error answers with, also stored as the result of an execution that failed. */
  public Map<String, Object> body(String requestId) {
    var body = new java.util.LinkedHashMap<String, Object>();
    body.put("success", false);
    body.put("error", getMessage());
    body.put("error_code", code.name());
    body.put("request_id", requestId);
    body.put("details", details);
    return body;
  }

  public Map<String, Object> details() { return details; }

  /** How long the caller should wait before trying again, or null. */
  public Duration retryAfter() { return retryAfter; }
}
