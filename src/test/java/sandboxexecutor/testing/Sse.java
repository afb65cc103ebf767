package sandboxexecutor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import sandboxexecutor.protocol.Json;

/** Reads a Server-Sent Events stream line by line, as a browser's EventSource does. */
public final class Sse {
  public record Event(String id, String name, String data, int commentsBefore) {
    public JsonNode json() {
      try {
        return Json.MAPPER.readTree(data);
      } catch (IOException e) {
        throw new AssertionError(data, e);
      }
    }
  }

  public record Stream(int status, Map<String, List<String>> headers, List<Event> events, int comments) {
    public List<String> names() {
      return events.stream().map(Event::name).toList();
    }

    public Event last() {
      return events.get(events.size() - 1);
    }
  }

  private Sse() {}

  /** Sends the request and reads events until the server ends the stream, or until {@code stopAfter} events. */
  public static Stream read(HttpRequest request, int stopAfter) throws IOException, InterruptedException {
    var client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    var response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    var events = new ArrayList<Event>();
    int comments = 0;
    int commentsSinceEvent = 0;
    try (var reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String id = null;
      String name = "message";
      var data = new StringBuilder();
      for (String line; (line = reader.readLine()) != null; ) {
        if (line.isEmpty()) {
          if (data.length() > 0) {
            events.add(new Event(id, name, data.toString(), commentsSinceEvent));
            commentsSinceEvent = 0;
            if (events.size() >= stopAfter) break;
          }
          id = null;
          name = "message";
          data.setLength(0);
        } else if (line.startsWith(":")) {
          comments++;
          commentsSinceEvent++;
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          name = line.substring(7);
        } else if (line.startsWith("data: ")) {
          if (data.length() > 0) data.append('\n');
          data.append(line.substring(6));
        }
      }
    }
    return new Stream(response.statusCode(), response.headers().map(), events, comments);
  }

  public static HttpRequest.Builder post(String url, String json) {
    return HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .header("Accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(json));
  }
}
