package sandboxexecutor.protocol;

/** Stable, machine-readable error codes of the HTTP API. The HTTP status of each lives in http/ErrorMapper. */
public enum ErrorCode {
  INVALID_REQUEST,
  UNSUPPORTED_MEDIA_TYPE,
  PAYLOAD_TOO_LARGE,
  URL_NOT_ALLOWED,
  CLONE_FAILED,
  ROUTE_NOT_FOUND,
  METHOD_NOT_ALLOWED,
  MISSING_API_KEY,
  SANDBOX_UNAVAILABLE,
  RATE_LIMITED,
  UPSTREAM_ERROR,
  EXECUTION_TIMEOUT,
  SERVICE_UNAVAILABLE,
  INTERNAL_ERROR
}
