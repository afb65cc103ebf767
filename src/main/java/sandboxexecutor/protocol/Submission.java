package sandboxexecutor.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An execution as accepted: what to run, and how the caller wants to hear about it.
 *
 * @param stream                 answer with Server-Sent Events or NDJSON as it happens
 * @param async                  answer 202 at once; the caller polls, follows the events, or gets the callback
 * @param callbackUrl            where the final payload is POSTed, signed; nullable
 * @param instanceId             the caller's instance (tenant); "default" when not given
 * @param projectId              nullable
 * @param includePartialMessages stream text deltas as Agent SDK {@code stream_event}s
 * @param cancelOnDisconnect     a streaming client that goes away cancels the execution
 * @param idempotencyKey         nullable: a second submission with the same key returns the first execution
 * @param recordedRequest        the request body as stored, secrets redacted
 */
public record Submission(
    ModeRequest request,
    boolean stream,
    boolean async,
    String callbackUrl,
    String instanceId,
    String projectId,
    boolean includePartialMessages,
    boolean cancelOnDisconnect,
    String idempotencyKey,
    JsonNode recordedRequest) {

  public Submission withIdempotencyKey(String key) {
    return new Submission(request, stream, async, callbackUrl, instanceId, projectId, includePartialMessages,
        cancelOnDisconnect, key, recordedRequest);
  }

  public Submission withInstanceId(String instance) {
    return new Submission(request, stream, async, callbackUrl, instance, projectId, includePartialMessages,
        cancelOnDisconnect, idempotencyKey, recordedRequest);
  }

  public Submission streaming() {
    return new Submission(request, true, async, callbackUrl, instanceId, projectId, includePartialMessages,
        cancelOnDisconnect, idempotencyKey, recordedRequest);
  }
}
