package sandboxexecutor.auth;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

/**
 * Turns a request's credentials into a {@link Caller}. A presented key is hashed and compared in constant time
 * with every configured hash; a missing and a wrong key get the same answer. Neither keys nor hashes are logged.
 */
public final class Authenticator {
  private static final Logger log = LoggerFactory.getLogger(Authenticator.class);
  static final String MISSING_OR_WRONG = "A valid API key is required: send Authorization: Bearer <key> or X-API-Key: <key>";

  private record Stored(byte[] hash, ApiKey key) {}

  /** The keys in use, swapped whole when the keys file changes. */
  private record Keys(Access access, List<Stored> stored) {
    Keys(Access access) {
      this(access, access.keys().stream().map(k -> new Stored(HexFormat.of().parseHex(k.sha256Hex()), k)).toList());
    }
  }

  private volatile Keys keys;

  public Authenticator(Access access) {
    this.keys = new Keys(access);
    if (access.disabled()) {
      log.warn("AUTH_DISABLED=true: authentication is OFF. Anyone who can reach this server can run agents on its"
          + " Anthropic key; use it only behind something that authenticates callers");
    } else if (access.protectedMode()) {
      log.info("no API keys configured: protected mode, serving only loopback callers"
          + " (create a key with `bin/keys create <name> <instance_id>`)");
    } else {
      log.info("{} API keys configured", access.keys().size());
    }
  }

  /** Uses {@code access}'s keys from now on; false when they are the ones in use. */
  public boolean reload(Access access) {
    if (access.keys().equals(keys.access().keys())) return false;
    keys = new Keys(access);
    return true;
  }

  /** How many keys are in use. */
  public int keyCount() {
    return keys.stored().size();
  }

  /**
   * @param authorization the Authorization header, or null
   * @param apiKeyHeader  the X-API-Key header, or null
   * @param remoteAddress the peer's IP address
   */
  public Caller authenticate(String authorization, String apiKeyHeader, String remoteAddress) {
    Keys keys = this.keys;
    Access access = keys.access();
    if (access.disabled()) return new Caller.Anonymous();
    if (access.protectedMode()) {
      if (remoteAddress != null && Access.isLoopback(remoteAddress)) return new Caller.Anonymous();
      throw new ExecutorException(ErrorCode.UNAUTHORIZED, "The server is in protected mode (no API keys configured) and"
          + " serves only loopback callers; its operator can create a key with `keys create`");
    }
    String presented = presented(authorization, apiKeyHeader);
    if (presented == null) throw unauthorized();
    byte[] hash = ApiKey.sha256(presented);
    ApiKey match = null;
    for (Stored stored : keys.stored()) { // no early exit: the time taken does not depend on which key matched
      if (MessageDigest.isEqual(stored.hash(), hash)) match = stored.key();
    }
    if (match == null) throw unauthorized();
    return new Caller.Key(match);
  }

  private static String presented(String authorization, String apiKeyHeader) {
    String bearer = null;
    if (authorization != null) {
      String a = authorization.strip();
      if (!a.toLowerCase(Locale.ROOT).startsWith("bearer ")) return null;
      bearer = a.substring(7).strip();
    }
    String header = apiKeyHeader == null ? null : apiKeyHeader.strip();
    if (bearer != null && header != null && !bearer.equals(header)) return null;
    String key = bearer != null ? bearer : header;
    return key == null || key.isEmpty() ? null : key;
  }

  private static ExecutorException unauthorized() {
    return new ExecutorException(ErrorCode.UNAUTHORIZED, MISSING_OR_WRONG);
  }
}
