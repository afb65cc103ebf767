package sandboxexecutor.store;

import java.io.InputStream;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Large execution artifacts (transcripts, logs, diffs, results) by key: a local directory or an S3-compatible
 * bucket. Keys are relative paths of {@code [A-Za-z0-9._-]} segments separated by {@code /}; no segment may
 * start with a dot, so {@code ..}, absolute paths and hidden files are impossible. Failures throw
 * {@link StoreException}; an invalid key throws {@link IllegalArgumentException}.
 */
public interface ObjectStore extends AutoCloseable {
  Pattern KEY = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");
  int MAX_KEY_LENGTH = 512;

  /** Writes or replaces an object; readers never see a partly written one. */
  void put(String key, byte[] bytes, String contentType);

  /** Like {@link #put(String, byte[], String)} from a stream of exactly {@code length} bytes. */
  void put(String key, InputStream body, long length, String contentType);

  Optional<byte[]> get(String key);

  /** Deletes the object if it exists. */
  void delete(String key);

  /**
   * Deletes up to {@code max} objects last written before {@code cutoff} and returns how many went. The
   * retention sweeper uses this to remove artifacts whose execution record is gone or was never written.
   */
  int deleteOlderThan(Instant cutoff, int max);

  @Override
  void close();

  /** The key under which an execution's artifact is stored, e.g. {@code executions/<id>/messages.json}. */
  static String artifactKey(String executionId, String fileName) {
    return checkKey("executions/" + executionId + "/" + fileName);
  }

  static String checkKey(String key) {
    if (key == null || key.length() > MAX_KEY_LENGTH || !KEY.matcher(key).matches()) {
      throw new IllegalArgumentException("invalid object key: must be up to " + MAX_KEY_LENGTH
          + " characters of relative path segments [A-Za-z0-9._-] not starting with '.'");
    }
    return key;
  }
}
