package sandboxexecutor.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import sandboxexecutor.protocol.Json;

/** Requests to one running server (in this JVM or another process), optionally with one credential header. */
public final class TestClient {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String baseUrl;
  private final String header; // null: no credential
  private final String value;

  public TestClient(String baseUrl) {
    this(baseUrl, null, null);
  }

  private TestClient(String baseUrl, String header, String value) {
    this.baseUrl = baseUrl;
    this.header = header;
    this.value = value;
  }

  /** The same server, sending {@code Authorization: Bearer <key>}. */
  public TestClient bearer(String key) {
    return new TestClient(baseUrl, "Authorization", "Bearer " + key);
  }

  /** The same server, sending {@code X-API-Key: <key>}. */
  public TestClient apiKey(String key) {
    return new TestClient(baseUrl, "X-API-Key", key);
  }

  public String url(String path) {
    return baseUrl + path;
  }

  public TestApp.Response get(String path) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).GET());
  }

  public TestApp.Response post(String path, Object body) {
    try {
      return post(path, Json.MAPPER.writeValueAsString(body));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  public TestApp.Response post(String path, String json) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  public TestApp.Response delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).DELETE());
  }

  public TestApp.Response send(HttpRequest.Builder request) {
    if (header != null) request.header(header, value);
    try {
      var response = HTTP.send(request.timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
      return new TestApp.Response(response.statusCode(), response.headers().map(), response.body());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
