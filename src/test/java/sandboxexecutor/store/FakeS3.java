package sandboxexecutor.store;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * Just enough S3 for {@link S3ObjectStore}, on 127.0.0.1 with path-style URLs: PUT, GET and DELETE of an object
 * and ListObjectsV2 (pages of {@link #pageSize} keys). One bucket exists; objects get the fake's {@link #now}
 * as their last-modified time. Every request is recorded with the headers the tests look at.
 */
final class FakeS3 implements AutoCloseable {
  record Stored(byte[] bytes, String contentType, Instant lastModified) {}

  record Request(String method, String path, String query, String contentEncoding, String contentSha256) {}

  final String bucket;
  final NavigableMap<String, Stored> objects = new ConcurrentSkipListMap<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();
  volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");
  volatile int pageSize = 2;
  private final HttpServer server;

  FakeS3(String bucket) throws IOException {
    this.bucket = bucket;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String path = URLDecoder.decode(x.getRequestURI().getRawPath().replace("+", "%2B"), StandardCharsets.UTF_8);
      String query = x.getRequestURI().getRawQuery();
      requests.add(new Request(x.getRequestMethod(), path, query, x.getRequestHeaders().getFirst("Content-Encoding"),
          x.getRequestHeaders().getFirst("x-amz-content-sha256")));
      String[] parts = path.substring(1).split("/", 2);
      if (!parts[0].equals(bucket)) {
        error(x, 404, "NoSuchBucket");
        return;
      }
      String key = parts.length == 2 ? parts[1] : "";
      byte[] body = x.getRequestBody().readAllBytes();
      switch (x.getRequestMethod()) {
        case "PUT" -> {
          objects.put(key, new Stored(body, x.getRequestHeaders().getFirst("Content-Type"), now));
          x.getResponseHeaders().add("ETag", "\"" + Integer.toHexString(java.util.Arrays.hashCode(body)) + "\"");
          x.sendResponseHeaders(200, -1);
        }
        case "GET" -> {
          if (key.isEmpty()) {
            list(x, params(query));
            return;
          }
          Stored stored = objects.get(key);
          if (stored == null) {
            error(x, 404, "NoSuchKey");
            return;
          }
          x.getResponseHeaders().add("Content-Type", stored.contentType());
          x.sendResponseHeaders(200, stored.bytes().length == 0 ? -1 : stored.bytes().length);
          x.getResponseBody().write(stored.bytes());
        }
        case "DELETE" -> {
          objects.remove(key);
          x.sendResponseHeaders(204, -1);
        }
        default -> error(x, 405, "MethodNotAllowed");
      }
    }
  }

  private void list(HttpExchange x, Map<String, String> params) throws IOException {
    String prefix = params.getOrDefault("prefix", "");
    String after = params.get("continuation-token");
    var page = new ArrayList<Map.Entry<String, Stored>>();
    var candidates = after == null ? objects : objects.tailMap(after, false);
    boolean truncated = false;
    for (var entry : candidates.entrySet()) {
      if (!entry.getKey().startsWith(prefix)) continue;
      if (page.size() == pageSize) {
        truncated = true;
        break;
      }
      page.add(entry);
    }
    var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .append("<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">")
        .append("<Name>").append(bucket).append("</Name><Prefix>").append(escape(prefix)).append("</Prefix>")
        .append("<KeyCount>").append(page.size()).append("</KeyCount><MaxKeys>1000</MaxKeys>")
        .append("<IsTruncated>").append(truncated).append("</IsTruncated>");
    if (truncated) xml.append("<NextContinuationToken>").append(escape(page.getLast().getKey())).append("</NextContinuationToken>");
    for (var entry : page) {
      xml.append("<Contents><Key>").append(escape(entry.getKey())).append("</Key><LastModified>")
          .append(entry.getValue().lastModified()).append("</LastModified><ETag>\"e\"</ETag><Size>")
          .append(entry.getValue().bytes().length).append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
    }
    xml.append("</ListBucketResult>");
    send(x, 200, xml.toString());
  }

  private static void error(HttpExchange x, int status, String code) throws IOException {
    send(x, status, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + code
        + "</Message></Error>");
  }

  private static void send(HttpExchange x, int status, String xml) throws IOException {
    byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/xml");
    x.sendResponseHeaders(status, bytes.length);
    x.getResponseBody().write(bytes);
  }

  private static Map<String, String> params(String query) {
    var map = new HashMap<String, String>();
    if (query == null) return map;
    for (String pair : query.split("&")) {
      String[] kv = pair.split("=", 2);
      map.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
    }
    return map;
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
