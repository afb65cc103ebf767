package sandboxexecutor.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * An OpenTelemetry collector on 127.0.0.1 that takes OTLP/HTTP protobuf exports on {@code POST /v1/traces}, as a
 * real one does on port 4318, and keeps every span and the headers of every export.
 */
public final class FakeCollector implements AutoCloseable {
  /** One exported span; ids in hex ({@code parentId} empty for a root), attribute values as Java values. */
  public record ExportedSpan(String name, String kind, String traceId, String spanId, String parentId, long startNanos,
                             boolean error, Map<String, Object> attributes, Map<String, Object> resource) {
    public Object attribute(String key) {
      return attributes.get(key);
    }
  }

  private final HttpServer server;
  private final List<ExportedSpan> spans = Collections.synchronizedList(new ArrayList<>());
  private final List<Map<String, String>> headers = Collections.synchronizedList(new ArrayList<>());

  public FakeCollector() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/traces", this::handle);
    server.start();
  }

  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Every span received so far, in the order they started. */
  public List<ExportedSpan> spans() {
    synchronized (spans) {
      return spans.stream().sorted(java.util.Comparator.comparingLong(ExportedSpan::startNanos)).toList();
    }
  }

  public List<ExportedSpan> spans(String name) {
    return spans().stream().filter(s -> s.name().equals(name)).toList();
  }

  /** The request headers of every export (names in lower case). */
  public List<Map<String, String>> exportHeaders() {
    synchronized (headers) {
      return List.copyOf(headers);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("POST")
          || !"application/x-protobuf".equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      var received = new LinkedHashMap<String, String>();
      exchange.getRequestHeaders().forEach((k, v) -> received.put(k.toLowerCase(), String.join(",", v)));
      headers.add(received);
      var request = ExportTraceServiceRequest.parseFrom(exchange.getRequestBody());
      var hex = HexFormat.of();
      for (var resourceSpans : request.getResourceSpansList()) {
        var resource = values(resourceSpans.getResource().getAttributesList());
        for (var scopeSpans : resourceSpans.getScopeSpansList()) {
          for (var span : scopeSpans.getSpansList()) {
            spans.add(new ExportedSpan(span.getName(), span.getKind().name(), hex.formatHex(span.getTraceId().toByteArray()),
                hex.formatHex(span.getSpanId().toByteArray()), hex.formatHex(span.getParentSpanId().toByteArray()),
                span.getStartTimeUnixNano(), span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR,
                values(span.getAttributesList()), resource));
          }
        }
      }
      byte[] body = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
      exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
      if (body.length > 0) exchange.getResponseBody().write(body);
    }
  }

  private static Map<String, Object> values(List<KeyValue> attributes) {
    var map = new LinkedHashMap<String, Object>();
    attributes.forEach(kv -> map.put(kv.getKey(), value(kv.getValue())));
    return map;
  }

  private static Object value(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> v.getIntValue();
      case DOUBLE_VALUE -> v.getDoubleValue();
      case BOOL_VALUE -> v.getBoolValue();
      case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(FakeCollector::value).toList();
      default -> v.toString();
    };
  }
}
