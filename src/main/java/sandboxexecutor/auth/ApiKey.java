package sandboxexecutor.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One caller's API key as the server keeps it: a name, the SHA-256 of the key (never the key itself), the
 * instance (tenant) it acts for, and its limits with the operator's defaults already applied.
 *
 * @param ratePerMinute   requests per minute; 0 means unlimited
 * @param maxConcurrent   executions queued or running at once (on all nodes together when they share PostgreSQL)
 * @param dailyBudgetUsd  the most the key's instance may spend per UTC day, or empty for no budget
 */
public record ApiKey(String name, String sha256Hex, String instanceId, int ratePerMinute, int maxConcurrent,
                     Optional<Double> dailyBudgetUsd) {
  public static final String PREFIX = "sk-se-";

  /** A new random key: {@value #PREFIX} and 32 random bytes, base64url. */
  public static String generate(SecureRandom random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  public static String sha256Hex(String key) {
    return HexFormat.of().formatHex(sha256(key));
  }

  /** Leaves the hash out, so a logged configuration never carries it. */
  @Override
  public String toString() {
    return "ApiKey[name=" + name + ", instanceId=" + instanceId + ", ratePerMinute=" + ratePerMinute
        + ", maxConcurrent=" + maxConcurrent + ", dailyBudgetUsd=" + dailyBudgetUsd + "]";
  }
}
