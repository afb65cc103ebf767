package sandboxexecutor.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Filters for {@link ExecutionStore#list}. Results come newest first (created_at, then id, descending) and
 * pages are keyset-paginated: {@code cursor} is the {@code next} of the previous {@link Page}, so rows created
 * while a client pages never shift or repeat entries. {@code createdFrom} is inclusive, {@code createdTo}
 * exclusive. A tenant-facing route must always set {@code instanceId}.
 */
public record ExecutionQuery(Optional<ExecutionStatus> status, Optional<ExecutionMode> mode,
                             Optional<String> instanceId, Optional<String> projectId,
                             Optional<Instant> createdFrom, Optional<Instant> createdTo,
                             int limit, Optional<String> cursor) {
  public static final int MAX_LIMIT = 100;

  public ExecutionQuery {
    if (limit < 1 || limit > MAX_LIMIT) throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", got " + limit);
    cursor.ifPresent(Cursor::decode); // reject a malformed cursor here, where the caller can map it to a 400
  }

  public static ExecutionQuery newest(int limit) {
    return new ExecutionQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), limit, Optional.empty());
  }

  public ExecutionQuery withStatus(ExecutionStatus s) { return new ExecutionQuery(Optional.of(s), mode, instanceId, projectId, createdFrom, createdTo, limit, cursor); }
  public ExecutionQuery withMode(ExecutionMode m) { return new ExecutionQuery(status, Optional.of(m), instanceId, projectId, createdFrom, createdTo, limit, cursor); }
  public ExecutionQuery withInstanceId(String i) { return new ExecutionQuery(status, mode, Optional.of(i), projectId, createdFrom, createdTo, limit, cursor); }
  public ExecutionQuery withProjectId(String p) { return new ExecutionQuery(status, mode, instanceId, Optional.of(p), createdFrom, createdTo, limit, cursor); }
  public ExecutionQuery withCreatedFrom(Instant t) { return new ExecutionQuery(status, mode, instanceId, projectId, Optional.of(t), createdTo, limit, cursor); }
  public ExecutionQuery withCreatedTo(Instant t) { return new ExecutionQuery(status, mode, instanceId, projectId, createdFrom, Optional.of(t), limit, cursor); }
  public ExecutionQuery withCursor(String c) { return new ExecutionQuery(status, mode, instanceId, projectId, createdFrom, createdTo, limit, Optional.of(c)); }

  /** The position after the last row of a page: its created_at (epoch ms) and id. */
  record Cursor(long createdAtMs, String id) {
    String encode() {
      return Base64.getUrlEncoder().withoutPadding()
          .encodeToString((createdAtMs + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    static Cursor decode(String token) {
      try {
        String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        int colon = text.indexOf(':');
        String id = text.substring(colon + 1);
        if (colon < 1 || id.isEmpty()) throw new IllegalArgumentException();
        return new Cursor(Long.parseLong(text.substring(0, colon)), id);
      } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
        throw new IllegalArgumentException("cursor: not a value returned as 'next' by a previous page");
      }
    }
  }
}
