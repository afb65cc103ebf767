package sandboxexecutor.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

class WebPageFetcherTest {
  private static final String HTML = """
      <!doctype html><html><head><title>Ignored</title><style>body { color: red }</style>
      <script>var secret = 1;</script></head>
      <body><h1>Release notes</h1>
      <p>Read the <a href="/docs/guide">guide</a> or <a href="javascript:void(0)">this</a>.</p>
      <ul><li>fast</li><li>small</li></ul>
      <noscript>enable js</noscript><svg><text>logo</text></svg><iframe src="/ad"></iframe>
      <script>document.write('tracking')</script>
      </body></html>
      """;

  private final PageServer server;
  private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  private final WebPageFetcher fetcher;

  WebPageFetcherTest() throws IOException {
    server = new PageServer();
    fetcher = new WebPageFetcher(new UrlGuard(true), FetchLimits.DEFAULTS, clock);
  }

  @AfterEach
  void stop() {
    fetcher.close();
    server.close();
  }

  private Instant soon() {
    return clock.instant().plusSeconds(20);
  }

  @Test
  void html_becomes_markdown_with_absolute_links_and_without_scripts() throws Exception {
    server.page("/notes", 200, "text/html; charset=utf-8", HTML);
    WebPage page = fetcher.fetch(server.url("/notes"), soon());

    assertEquals(new WebPage(URI.create(server.url("/notes")), 200, "text/html", """
        # Release notes

        Read the [guide](%s) or this.

        * fast
        * small""".formatted(server.url("/docs/guide")), false), page);
  }

  @Test
  void plain_text_comes_back_as_is_in_its_declared_charset() throws Exception {
    server.page("/t.txt", "text/plain; charset=ISO-8859-1", "café\n  indented\n", StandardCharsets.ISO_8859_1);
    assertEquals(new WebPage(URI.create(server.url("/t.txt")), 200, "text/plain", "café\n  indented\n", false),
        fetcher.fetch(server.url("/t.txt"), soon()));
  }

  @Test
  void json_and_markdown_come_back_as_is() throws Exception {
    server.page("/a.json", 200, "application/json", "{\"a\": [1, 2]}");
    server.page("/r.md", 200, "text/markdown", "# Title\n\n<b>kept</b>\n");
    assertEquals(new WebPage(URI.create(server.url("/a.json")), 200, "application/json", "{\"a\": [1, 2]}", false),
        fetcher.fetch(server.url("/a.json"), soon()));
    assertEquals(new WebPage(URI.create(server.url("/r.md")), 200, "text/markdown", "# Title\n\n<b>kept</b>\n", false),
        fetcher.fetch(server.url("/r.md"), soon()));
  }

  @Test
  void binary_content_is_refused_with_its_type() {
    server.route("/logo.png", e -> PageServer.send(e, 200, "image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0}));
    var e = assertThrows(ExecutorException.class, () -> fetcher.fetch(server.url("/logo.png"), soon()));
    assertEquals(ErrorCode.INVALID_REQUEST, e.code());
    assertEquals("url: " + server.url("/logo.png") + " returned image/png, which WebFetch cannot read; it reads HTML,"
        + " plain text, Markdown, JSON and XML", e.getMessage());
  }

  @Test
  void an_http_error_is_a_page_with_its_status() throws Exception {
    server.page("/missing", 404, "text/plain", "no such page");
    assertEquals(new WebPage(URI.create(server.url("/missing")), 404, "text/plain", "no such page", false),
        fetcher.fetch(server.url("/missing"), soon()));
  }

  @Test
  void redirects_are_followed_and_the_final_url_reported() throws Exception {
    server.redirect("/old", "/new").page("/new", 200, "text/plain", "moved here");
    assertEquals(new WebPage(URI.create(server.url("/new")), 200, "text/plain", "moved here", false),
        fetcher.fetch(server.url("/old"), soon()));
    assertEquals(List.of("GET /old", "GET /new"), server.requests());
  }

  @Test
  void a_redirect_to_another_scheme_is_refused() {
    server.redirect("/file", "file:///etc/passwd").redirect("/ftp", "ftp://127.0.0.1/x");
    var file = assertThrows(ExecutorException.class, () -> fetcher.fetch(server.url("/file"), soon()));
    assertEquals(ErrorCode.URL_NOT_ALLOWED, file.code());
    assertEquals("url: " + server.url("/file") + " redirected to file:///etc/passwd, which is not allowed:"
        + " redirect target must use http or https, not 'file'", file.getMessage());
    var ftp = assertThrows(ExecutorException.class, () -> fetcher.fetch(server.url("/ftp"), soon()));
    assertEquals(ErrorCode.URL_NOT_ALLOWED, ftp.code());
  }

  @Test
  void a_redirect_to_a_metadata_address_is_refused_before_any_connection() {
    server.redirect("/meta", "http://169.254.169.254/latest/meta-data/");
    var e = assertThrows(ExecutorException.class, () -> fetcher.fetch(server.url("/meta"), soon()));
    assertEquals(ErrorCode.URL_NOT_ALLOWED, e.code());
    assertEquals(List.of("GET /meta"), server.requests());
  }

  @Test
  void a_name_that_resolves_to_a_private_address_is_refused_before_connecting() {
    // "intranet.test" is answered by the guard's table; nothing is ever sent to 10.0.0.5
    var guard = new UrlGuard(false, host -> List.of(InetAddress.getByAddress(host, new byte[] {10, 0, 0, 5})));
    try (var strict = new WebPageFetcher(guard, FetchLimits.DEFAULTS, clock)) {
      var e = assertThrows(ExecutorException.class, () -> strict.fetch("http://intranet.test/", soon()));
      assertEquals(ErrorCode.URL_NOT_ALLOWED, e.code());
    }
  }

  @Test
  void five_redirects_are_followed_and_a_sixth_is_refused() throws Exception {
    for (int i = 0; i < 6; i++) server.redirect("/hop" + i, "/hop" + (i + 1));
    server.page("/hop6", 200, "text/plain", "end");
    assertEquals(new WebPage(URI.create(server.url("/hop6")), 200, "text/plain", "end", false),
        fetcher.fetch(server.url("/hop1"), soon()));

    var e = assertThrows(IOException.class, () -> fetcher.fetch(server.url("/hop0"), soon()));
    assertTrue(e.getMessage().startsWith("url: " + server.url("/hop0") + " redirected more than 5 times"), e.getMessage());
  }

  @Test
  void a_body_over_the_limit_is_cut_and_marked_truncated() throws Exception {
    server.page("/big.txt", 200, "text/plain", "x".repeat(5000));
    try (var small = new WebPageFetcher(new UrlGuard(true), FetchLimits.DEFAULTS.withMaxBodyBytes(1000), clock)) {
      assertEquals(new WebPage(URI.create(server.url("/big.txt")), 200, "text/plain", "x".repeat(1000), true),
          small.fetch(server.url("/big.txt"), soon()));
    }
  }

  @Test
  void content_over_the_character_limit_is_cut_and_marked_truncated() throws Exception {
    server.page("/long.txt", 200, "text/plain", "y".repeat(300));
    try (var small = new WebPageFetcher(new UrlGuard(true), FetchLimits.DEFAULTS.withMaxContentChars(100), clock)) {
      assertEquals(new WebPage(URI.create(server.url("/long.txt")), 200, "text/plain", "y".repeat(100), true),
          small.fetch(server.url("/long.txt"), soon()));
    }
  }

  @Test
  void a_slow_server_times_out_by_the_deadline() {
    server.hang("/slow");
    var realClock = new WebPageFetcher(new UrlGuard(true));
    long start = System.nanoTime();
    var e = assertThrows(IOException.class, () -> realClock.fetch(server.url("/slow"), Instant.now().plusMillis(800)));
    long millis = (System.nanoTime() - start) / 1_000_000;
    realClock.close();
    assertTrue(e.getMessage().startsWith("url: fetching " + server.url("/slow") + " timed out after "), e.getMessage());
    assertTrue(millis >= 700 && millis < 3000, "took " + millis + " ms");
  }

  @Test
  void a_past_deadline_sends_nothing() {
    server.page("/p", 200, "text/plain", "x");
    assertThrows(IOException.class, () -> fetcher.fetch(server.url("/p"), clock.instant().minusSeconds(1)));
    assertEquals(List.of(), server.requests());
  }

  @Test
  void a_second_fetch_within_fifteen_minutes_comes_from_the_cache() throws Exception {
    server.page("/c", 200, "text/plain", "cached");
    WebPage first = fetcher.fetch(server.url("/c"), soon());
    clock.advance(Duration.ofMinutes(14));
    assertEquals(first, fetcher.fetch(server.url("/c"), soon()));
    assertEquals(List.of("GET /c"), server.requests());

    clock.advance(Duration.ofMinutes(2));
    assertEquals(first, fetcher.fetch(server.url("/c"), soon()));
    assertEquals(List.of("GET /c", "GET /c"), server.requests());
  }

  @Test
  void errors_are_not_cached() throws Exception {
    server.page("/gone", 404, "text/plain", "gone");
    fetcher.fetch(server.url("/gone"), soon());
    fetcher.fetch(server.url("/gone"), soon());
    assertEquals(List.of("GET /gone", "GET /gone"), server.requests());
  }

  @Test
  void a_loopback_url_is_refused_without_a_request_when_private_networks_are_off() {
    server.page("/p", 200, "text/plain", "x");
    try (var strict = new WebPageFetcher(new UrlGuard(false))) {
      var e = assertThrows(ExecutorException.class, () -> strict.fetch(server.url("/p"), soon()));
      assertEquals(ErrorCode.URL_NOT_ALLOWED, e.code());
      var named = assertThrows(ExecutorException.class,
          () -> strict.fetch("http://localhost:" + server.port() + "/p", soon()));
      assertEquals(ErrorCode.URL_NOT_ALLOWED, named.code());
      assertEquals("'localhost' resolves to 127.0.0.1, a private, loopback, link-local or metadata address;"
          + " an operator can allow private networks with ALLOW_PRIVATE_NETWORKS=true", named.getMessage());
    }
    assertEquals(List.of(), server.requests());
  }

  @Test
  void requests_are_plain_gets_that_name_the_service_and_prefer_text() throws Exception {
    var seen = new AtomicReference<String>();
    server.route("/h", e -> {
      seen.set(e.getRequestMethod() + " | " + e.getRequestHeaders().getFirst("User-Agent") + " | "
          + e.getRequestHeaders().getFirst("Accept"));
      PageServer.send(e, 200, "text/plain", "ok".getBytes(StandardCharsets.UTF_8));
    });
    fetcher.fetch(server.url("/h"), soon());
    assertEquals("GET | " + WebPageFetcher.USER_AGENT + " | text/html, text/markdown;q=0.95, text/plain;q=0.9,"
        + " application/xhtml+xml;q=0.9, application/json;q=0.8, application/xml;q=0.7, */*;q=0.1", seen.get());
  }

  /** A clock the test moves by hand, for cache expiry. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
