package sandboxexecutor.instances;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sandboxexecutor.config.Config;
import sandboxexecutor.config.ModelCatalog;
import sandboxexecutor.observability.Metrics;
import sandboxexecutor.protocol.Json;

/**
 * The settings of each instance. With a config service ({@code GET <url>/instances/<id>}), answers are cached for
 * the TTL; when the service is slow, down or answers garbage, the last good answer is kept (stale) and a warning
 * logged; with no good answer ever, the file's entry or the built-in defaults are used. A 404 means the service has
 * no settings for the instance: the fallback applies, and that answer is cached like any other. The service is
 * never needed to start.
 */
public final class Instances implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Instances.class);
  private static final int MAX_BYTES = 256 * 1024;

  private record Cached(InstanceSettings settings, Instant fetchedAt, boolean good) {}

  private final Optional<URI> serviceUrl;
  private final Optional<String> authorization;
  private final Duration ttl;
  private final Duration timeout;
  private final Map<String, InstanceSettings> file;
  private final ModelCatalog models;
  private final Set<String> knownTools;
  private final Metrics metrics;
  private final Clock clock;
  private final HttpClient http;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public Instances(Config.InstanceConfig service, Map<String, InstanceSettings> file, ModelCatalog models,
                   Set<String> knownTools, Metrics metrics, Clock clock) {
    this.serviceUrl = service.serviceUrl();
    this.authorization = service.serviceToken().map(t -> "Bearer " + t.reveal());
    this.ttl = service.cacheTtl();
    this.timeout = service.serviceTimeout();
    this.file = Map.copyOf(file);
    this.models = models;
    this.knownTools = Set.copyOf(knownTools);
    this.metrics = metrics;
    this.clock = clock;
    // the URL is the operator's, not a caller's, but a redirect could still lead anywhere: none are followed
    this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** The instance's settings now; never fails and waits at most the service timeout. */
  public InstanceSettings settings(String instanceId) {
    InstanceSettings fallback = InstanceFile.lookup(file, instanceId).orElse(InstanceSettings.NONE);
    if (serviceUrl.isEmpty()) return fallback;
    Instant now = clock.instant();
    Cached cached = cache.get(instanceId);
    if (cached != null && now.isBefore(cached.fetchedAt().plus(ttl))) return cached.settings();
    try {
      InstanceSettings fetched = fetch(instanceId).orElse(fallback);
      cache.put(instanceId, new Cached(fetched, now, true));
      return fetched;
    } catch (IOException | IllegalArgumentException e) {
      boolean stale = cached != null && cached.good();
      log.warn("config service failed for instance {} ({}); using {}", instanceId, e.getMessage(),
          stale ? "the last good settings" : "the fallback settings");
      metrics.instanceConfigFallback(stale ? "stale" : "fallback");
      InstanceSettings used = stale ? cached.settings() : fallback;
      // retried after another TTL, so a dead service does not add its timeout to every request
      cache.put(instanceId, new Cached(used, now, stale));
      return used;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return cached != null ? cached.settings() : fallback;
    }
  }

  private Optional<InstanceSettings> fetch(String instanceId) throws IOException, InterruptedException {
    URI uri = URI.create(serviceUrl.get() + "/instances/" + URLEncoder.encode(instanceId, StandardCharsets.UTF_8));
    var builder = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET();
    authorization.ifPresent(value -> builder.header("Authorization", value));
    var request = builder.build();
    HttpResponse<byte[]> response;
    var pending = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
    try {
      // the whole exchange, body included, is bounded (the request timeout alone covers only the headers)
      response = pending.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      pending.cancel(true);
      throw new IOException("no answer within " + timeout.toMillis() + " ms");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException(e.getCause().toString(), e.getCause());
    }
    byte[] body = response.body();
    if (response.statusCode() == 404) return Optional.empty();
    if (response.statusCode() != 200) throw new IOException("HTTP " + response.statusCode());
    if (body.length > MAX_BYTES) throw new IOException("answer larger than " + MAX_BYTES + " bytes");
    JsonNode json;
    try {
      json = Json.MAPPER.readTree(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
    return Optional.of(InstanceSettings.parse(json, "instance " + instanceId, models, knownTools));
  }

  @Override
  public void close() {
    http.close();
  }
}
