package sandboxexecutor.execution;

import java.io.IOException;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sandboxexecutor.net.UrlGuard;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.store.CallbackDelivery;
import sandboxexecutor.store.ExecutionStore;

/**
 * POSTs an execution's final payload to its callback URL, signed with HMAC-SHA256 over the exact body
 * ({@code X-Signature: sha256=<hex>}), retried with exponential backoff on network errors, 408, 429 and 5xx,
 * every attempt recorded. The URL passes the same address checks as every user-supplied URL, at each attempt:
 * the client connects only to addresses the guard approved (IP literals are checked before the call, names by
 * the client's resolver), and follows no redirects.
 */
public final class Callbacks implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Callbacks.class);
  private static final MediaType JSON = MediaType.get("application/json");
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

  private final UrlGuard guard;
  private final byte[] secret;
  private final int maxAttempts;
  private final Duration backoff;
  private final ExecutionStore store;
  private final Clock clock;
  private final OkHttpClient http;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "callback-retries");
    t.setDaemon(true);
    return t;
  });

  /** @param secret null when the operator set no CALLBACK_SECRET: then callbacks are refused at submission */
  public Callbacks(UrlGuard guard, String secret, int maxAttempts, Duration backoff, ExecutionStore store, Clock clock) {
    this.guard = guard;
    this.secret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
    this.store = store;
    this.clock = clock;
    this.http = new OkHttpClient.Builder().dns(guard.dns()).proxy(Proxy.NO_PROXY).followRedirects(false)
        .followSslRedirects(false).callTimeout(Duration.ofSeconds(15)).build();
  }

  /** Checks a callback URL at submission, so a caller hears about a bad one at once. */
  public void check(String url) {
    if (secret == null) {
      throw ExecutorException.invalid("callback_url needs a signing secret: the operator must set CALLBACK_SECRET");
    }
    guard.checkUrl("callback_url", url, schemes());
  }

  private Set<String> schemes() {
    return guard.allowsPrivateNetworks() ? Set.of("https", "http") : Set.of("https");
  }

  public static String signature(byte[] secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts delivery; returns at once. */
  public void deliver(String executionId, String url, byte[] body) {
    schedule(executionId, url, body, 1, Duration.ZERO);
  }

  private void schedule(String executionId, String url, byte[] body, int attempt, Duration delay) {
    timer.schedule(() -> Thread.ofVirtual().name("callback-" + executionId).start(() -> attempt(executionId, url, body, attempt)),
        delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void attempt(String executionId, String url, byte[] body, int attempt) {
    Instant at = clock.instant();
    Integer status = null;
    String error = null;
    boolean retry;
    try {
      var uri = guard.checkUrl("callback_url", url, schemes());
      guard.resolve(uri.getHost()); // OkHttp skips its resolver, and so the guard, for IP literals
      var request = new Request.Builder().url(url).post(RequestBody.create(body, JSON))
          .header("X-Signature", signature(secret, body))
          .header("X-Execution-ID", executionId)
          .header("X-Delivery-Attempt", Integer.toString(attempt))
          .header("User-Agent", "sandbox-executor-callbacks")
          .build();
      try (var response = http.newCall(request).execute()) {
        status = response.code();
        retry = status == 408 || status == 429 || status >= 500;
        if (!response.isSuccessful()) error = "HTTP " + status;
      }
    } catch (ExecutorException e) {
      error = e.getMessage();
      retry = false;
    } catch (java.net.UnknownHostException e) {
      error = "callback_url: cannot resolve host: " + e.getMessage();
      retry = true;
    } catch (IOException | RuntimeException e) {
      error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      retry = true;
    }
    Duration wait = backoff.multipliedBy(1L << Math.min(20, 2 * (attempt - 1)));
    if (wait.compareTo(MAX_BACKOFF) > 0) wait = MAX_BACKOFF;
    boolean again = error != null && retry && attempt < maxAttempts;
    try {
      store.recordDelivery(new CallbackDelivery(UUID.randomUUID().toString(), executionId, attempt, at, status, error,
          again ? at.plus(wait) : null));
    } catch (RuntimeException e) {
      log.warn("could not record callback attempt {} of {}: {}", attempt, executionId, e.toString());
    }
    if (again) schedule(executionId, url, body, attempt + 1, wait);
    else if (error != null) log.warn("callback for {} given up after attempt {}: {}", executionId, attempt, error);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
