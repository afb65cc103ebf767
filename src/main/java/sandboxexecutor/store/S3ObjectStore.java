package sandboxexecutor.store;

import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in an S3-compatible bucket through the AWS SDK v2 with the JDK's URL connection client (no Netty or
 * Apache client in the jar). Checksums are only sent where the API requires them and bodies are sent plainly
 * rather than aws-chunked: R2 and MinIO do not all accept the SDK's newer default integrity headers.
 */
public final class S3ObjectStore implements ObjectStore {
  private final S3Client s3;
  private final String bucket;
  private final String prefix;

  public S3ObjectStore(S3Settings settings) {
    AwsCredentialsProvider credentials = settings.accessKeyId()
        .<AwsCredentialsProvider>map(id -> StaticCredentialsProvider.create(
            AwsBasicCredentials.create(id, settings.secretAccessKey().orElseThrow())))
        .orElseGet(() -> DefaultCredentialsProvider.builder().build());
    var builder = S3Client.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(10))
            .socketTimeout(Duration.ofSeconds(60)))
        .region(Region.of(settings.region()))
        .credentialsProvider(credentials)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
        .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMinutes(5)).apiCallAttemptTimeout(Duration.ofMinutes(2)));
    settings.endpoint().ifPresent(endpoint -> builder.endpointOverride(endpoint).forcePathStyle(true));
    this.s3 = builder.build();
    this.bucket = settings.bucket();
    this.prefix = settings.keyPrefix().isEmpty() || settings.keyPrefix().endsWith("/")
        ? settings.keyPrefix() : settings.keyPrefix() + "/";
  }

  @Override
  public void put(String key, byte[] bytes, String contentType) {
    put(key, RequestBody.fromBytes(bytes), contentType);
  }

  @Override
  public void put(String key, InputStream body, long length, String contentType) {
    put(key, RequestBody.fromInputStream(body, length), contentType);
  }

  private void put(String key, RequestBody body, String contentType) {
    String full = prefix + ObjectStore.checkKey(key);
    call("write", key, () -> s3.putObject(r -> r.bucket(bucket).key(full).contentType(contentType), body));
  }

  @Override
  public Optional<byte[]> get(String key) {
    String full = prefix + ObjectStore.checkKey(key);
    try {
      return Optional.of(s3.getObjectAsBytes(r -> r.bucket(bucket).key(full)).asByteArray());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw new StoreException("cannot read object " + key + " from bucket " + bucket + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(String key) {
    String full = prefix + ObjectStore.checkKey(key);
    call("delete", key, () -> s3.deleteObject(r -> r.bucket(bucket).key(full)));
  }

  /** Lists the prefix page by page and stops once {@code max} objects are deleted. */
  @Override
  public int deleteOlderThan(Instant cutoff, int max) {
    int deleted = 0;
    try {
      for (S3Object object : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()) {
        if (deleted >= max) break;
        if (object.lastModified() != null && object.lastModified().isBefore(cutoff)) {
          s3.deleteObject(r -> r.bucket(bucket).key(object.key()));
          deleted++;
        }
      }
    } catch (SdkException e) {
      throw new StoreException("cannot sweep bucket " + bucket + ": " + e.getMessage(), e);
    }
    return deleted;
  }

  @Override
  public void close() {
    s3.close();
  }

  private void call(String what, String key, Runnable request) {
    try {
      request.run();
    } catch (SdkException e) {
      throw new StoreException("cannot " + what + " object " + key + " in bucket " + bucket + ": " + e.getMessage(), e);
    }
  }
}
