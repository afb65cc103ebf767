package sandboxexecutor.net;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Proxy;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.Buffer;
import okio.BufferedSource;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

/**
 * Fetches web pages for the WebFetch tool, on the host, for URLs the model chose, so every request is treated as
 * an attempted server-side request forgery:
 * <ul>
 *   <li>OkHttp resolves names only through {@link UrlGuard#dns()}, so it connects only to addresses that were
 *       checked, even if DNS answers differently the second time (rebinding). IP literals skip OkHttp's resolver,
 *       so every hop's host is also checked before the request is made.</li>
 *   <li>No proxy, no automatic redirects: each redirect is followed by hand (at most {@link FetchLimits#maxRedirects})
 *       and its target checked like the first URL: http or https only, host allowed.</li>
 *   <li>GET only, bounded time (the caller's deadline and {@link FetchLimits#timeout}) and bounded size.</li>
 * </ul>
 *
 * <p>Errors: a refused URL or redirect target is an {@link ExecutorException} with URL_NOT_ALLOWED; a body that
 * is not text (images, PDFs, archives) is an ExecutorException with INVALID_REQUEST saying which type came back;
 * an unreachable host, a timeout or too many redirects is an {@link IOException}. The tool turns all of these into
 * an error result for the model. HTTP error statuses are not errors here: they come back as a {@link WebPage}.
 */
public final class WebPageFetcher implements AutoCloseable {
  static final String USER_AGENT = "sandbox-executor/0.1 (WebFetch; +https://github.com/anthropics)";
  private static final String ACCEPT = "text/html, text/markdown;q=0.95, text/plain;q=0.9, application/xhtml+xml;q=0.9,"
      + " application/json;q=0.8, application/xml;q=0.7, */*;q=0.1";
  private static final Set<String> SCHEMES = Set.of("http", "https");

  private final UrlGuard guard;
  private final FetchLimits limits;
  private final Clock clock;
  private final OkHttpClient client;
  private final PageCache cache;
  private final PageText text = new PageText();

  public WebPageFetcher(UrlGuard guard) {
    this(guard, FetchLimits.DEFAULTS, Clock.systemUTC());
  }

  public WebPageFetcher(UrlGuard guard, FetchLimits limits, Clock clock) {
    this.guard = guard;
    this.limits = limits;
    this.clock = clock;
    this.cache = new PageCache(clock, limits.cacheTtl(), limits.cacheEntries());
    this.client = new OkHttpClient.Builder()
        .dns(guard.dns())
        .proxy(Proxy.NO_PROXY)
        .followRedirects(false)
        .followSslRedirects(false)
        .retryOnConnectionFailure(false)
        .connectTimeout(limits.timeout())
        .readTimeout(limits.timeout())
        .writeTimeout(limits.timeout())
        .callTimeout(limits.timeout())
        .build();
  }

  /** Fetches {@code url}, following redirects, and finishes by {@code deadline} or throws. */
  public WebPage fetch(String url, Instant deadline) throws IOException {
    URI requested = guard.checkUrl("url", url, SCHEMES);
    HttpUrl current = toHttpUrl(requested.toString(), "url");
    String key = current.toString();
    WebPage cached = cache.get(key);
    if (cached != null) return cached;

    Instant start = clock.instant();
    Instant end = earliest(deadline, start.plus(limits.timeout()));
    for (int redirects = 0; ; redirects++) {
      checkHost(current);
      Duration left = Duration.between(clock.instant(), end);
      if (left.isNegative() || left.isZero()) throw timedOut(current, start);
      try (Response response = execute(current, left, start)) {
        String location = response.header("Location");
        if (response.isRedirect() && location != null) {
          if (redirects == limits.maxRedirects()) {
            throw new IOException("url: " + url + " redirected more than " + limits.maxRedirects() + " times (last to "
                + location + "); fetch the final URL directly if it is right");
          }
          current = redirectTarget(url, current, location);
          continue;
        }
        WebPage page = read(current, response, start);
        if (page.ok()) cache.put(page, key, current.toString());
        return page;
      }
    }
  }

  /** Sends one GET; OkHttp's failures become IOExceptions whose message says what happened to which URL. */
  private Response execute(HttpUrl url, Duration left, Instant start) throws IOException {
    Call call = client.newCall(new Request.Builder().url(url).get()
        .header("User-Agent", USER_AGENT).header("Accept", ACCEPT).build());
    // the call timeout spans connecting, sending and reading the whole body; 0 would mean "none", hence at least 1
    call.timeout().timeout(Math.max(1, left.toMillis()), TimeUnit.MILLISECONDS);
    try {
      return call.execute();
    } catch (InterruptedIOException e) {
      throw timedOut(url, start);
    } catch (UnknownHostException e) {
      throw new IOException("url: cannot resolve host '" + url.host() + "'", e);
    } catch (IOException e) {
      throw new IOException("url: fetching " + url + " failed: " + e.getMessage(), e);
    }
  }

  private WebPage read(HttpUrl url, Response response, Instant start) throws IOException {
    try {
      return read(url, response);
    } catch (InterruptedIOException e) {
      throw timedOut(url, start);
    } catch (IOException e) {
      throw new IOException("url: reading " + url + " failed: " + e.getMessage(), e);
    }
  }

  private WebPage read(HttpUrl url, Response response) throws IOException {
    MediaType mediaType = response.body().contentType();
    String type = mediaType == null ? "" : mediaType.type() + "/" + mediaType.subtype();
    PageText.Kind kind = mediaType == null ? null : PageText.kind(type);
    if (kind == PageText.Kind.OTHER) {
      if (response.isSuccessful()) {
        throw ExecutorException.invalid("url: " + url + " returned " + type + ", which WebFetch cannot read; it reads"
            + " HTML, plain text, Markdown, JSON and XML");
      }
      return new WebPage(url.uri(), response.code(), type, "", false);
    }
    Buffer body = new Buffer();
    BufferedSource source = response.body().source();
    while (body.size() <= limits.maxBodyBytes()) {
      if (source.read(body, limits.maxBodyBytes() + 1 - body.size()) == -1) break;
    }
    boolean cut = body.size() > limits.maxBodyBytes();
    byte[] bytes = body.readByteArray(Math.min(body.size(), limits.maxBodyBytes()));
    if (kind == null) kind = PageText.sniff(bytes);
    if (kind == PageText.Kind.OTHER) {
      throw ExecutorException.invalid("url: " + url + " returned binary content without a Content-Type, which"
          + " WebFetch cannot read");
    }
    Charset charset = mediaType == null ? null : mediaType.charset(null);
    String content = text.convert(kind, bytes, charset, url.toString());
    if (content.length() > limits.maxContentChars()) {
      int cutAt = limits.maxContentChars();
      if (Character.isHighSurrogate(content.charAt(cutAt - 1))) cutAt--;  // never split a character in two
      content = content.substring(0, cutAt);
      cut = true;
    }
    return new WebPage(url.uri(), response.code(), type, content, cut);
  }

  /** Checks the host OkHttp will connect to (its own parse of the URL, not ours), literals included. */
  private void checkHost(HttpUrl url) throws IOException {
    try {
      guard.resolve(url.host());
    } catch (UnknownHostException e) {
      throw new IOException("url: cannot resolve host '" + url.host() + "'", e);
    }
  }

  private HttpUrl redirectTarget(String original, HttpUrl from, String location) {
    URI target;
    try {
      target = from.uri().resolve(location);
    } catch (IllegalArgumentException e) {
      throw new ExecutorException(ErrorCode.URL_NOT_ALLOWED, "url: " + original + " redirected to an invalid URL: " + location);
    }
    try {
      guard.checkUrl("redirect target", target.toString(), SCHEMES);
    } catch (ExecutorException e) {
      throw new ExecutorException(ErrorCode.URL_NOT_ALLOWED, "url: " + original + " redirected to " + location
          + ", which is not allowed: " + e.getMessage());
    }
    return toHttpUrl(target.toString(), "redirect target");
  }

  private static HttpUrl toHttpUrl(String url, String field) {
    HttpUrl parsed = HttpUrl.parse(url);
    if (parsed == null) throw new ExecutorException(ErrorCode.URL_NOT_ALLOWED, field + " is not a valid http(s) URL: " + url);
    return parsed;
  }

  private IOException timedOut(HttpUrl url, Instant start) {
    long millis = Duration.between(start, clock.instant()).toMillis();
    return new IOException("url: fetching " + url + " timed out after " + millis + " ms");
  }

  private static Instant earliest(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  /** Stops OkHttp's threads and closes pooled connections. */
  @Override
  public void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
