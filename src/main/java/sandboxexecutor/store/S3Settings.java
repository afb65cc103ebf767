package sandboxexecutor.store;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Where artifacts go in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO). With an {@code endpoint},
 * requests use path-style URLs ({@code <endpoint>/<bucket>/<key>}), which R2 and MinIO need. Without explicit
 * keys the AWS SDK's default credential chain applies. {@code keyPrefix} is prepended to every key.
 */
public record S3Settings(String bucket, Optional<URI> endpoint, String region, Optional<String> accessKeyId,
                         Optional<String> secretAccessKey, String keyPrefix) {
  public S3Settings {
    Objects.requireNonNull(bucket, "bucket");
    if (bucket.isBlank()) throw new IllegalArgumentException("RESULTS_BUCKET must not be blank");
    if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
      throw new IllegalArgumentException("set both RESULTS_ACCESS_KEY_ID and RESULTS_SECRET_ACCESS_KEY, or neither");
    }
    if (!keyPrefix.isEmpty()) ObjectStore.checkKey(keyPrefix.endsWith("/") ? keyPrefix + "x" : keyPrefix);
  }

  /** {@code auto} for Cloudflare R2 endpoints, which ignore the region; {@code us-east-1} otherwise. */
  public static String defaultRegion(Optional<URI> endpoint) {
    return endpoint.map(URI::getHost).filter(h -> h.endsWith(".r2.cloudflarestorage.com")).map(h -> "auto")
        .orElse("us-east-1");
  }

  @Override
  public String toString() {
    return "S3Settings[bucket=" + bucket + ", endpoint=" + endpoint.map(URI::toString).orElse("(AWS)") + ", region="
        + region + ", accessKeyId=" + accessKeyId.orElse("(default chain)") + ", keyPrefix=" + keyPrefix + "]";
  }
}
