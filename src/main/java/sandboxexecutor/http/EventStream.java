package sandboxexecutor.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import sandboxexecutor.execution.EventLog;

/**
 * Writes an execution's events to one client as Server-Sent Events ({@code id}, {@code event}, {@code data}) or
 * as newline-delimited JSON, following the live log until its last event, with heartbeats while it is quiet.
 */
final class EventStream {
  enum Format { SSE, NDJSON }

  private EventStream() {}

  /** The format the caller asked for with Accept or {@code "stream": true}; null for a plain JSON answer. */
  static Format requested(Context ctx, boolean streamFlag) {
    String accept = ctx.header("Accept") == null ? "" : ctx.header("Accept").toLowerCase(Locale.ROOT);
    if (accept.contains("application/x-ndjson")) return Format.NDJSON;
    if (accept.contains("text/event-stream") || streamFlag) return Format.SSE;
    return null;
  }

  /** The id after which to resume: the Last-Event-ID header (or {@code last_event_id}), else 0. */
  static long lastEventId(Context ctx) {
    String value = ctx.header("Last-Event-ID") != null ? ctx.header("Last-Event-ID") : ctx.queryParam("last_event_id");
    if (value == null || value.isBlank()) return 0;
    try {
      return Math.max(0, Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      throw sandboxexecutor.protocol.ExecutorException.invalid("Last-Event-ID must be the id of an event, a whole number");
    }
  }

  /**
   * Follows {@code log} from after {@code lastId} until it completes. Returns false when the client went away
   * first (the execution goes on regardless).
   */
  static boolean follow(Context ctx, EventLog log, long lastId, Format format, Duration heartbeat) throws InterruptedException {
    OutputStream out = open(ctx, format);
    long last = lastId;
    try {
      while (true) {
        var batch = log.await(last, heartbeat);
        if (batch.events().isEmpty()) {
          if (batch.complete()) return true;
          out.write((format == Format.SSE ? ": heartbeat\n\n" : "{\"type\":\"keep_alive\"}\n").getBytes(StandardCharsets.UTF_8));
        }
        for (EventLog.Event event : batch.events()) {
          write(out, event, format);
          last = event.id();
        }
        out.flush();
      }
    } catch (IOException e) {
      return false;
    }
  }

  /** Writes stored events after {@code lastId}, for an execution that has ended. */
  static void replay(Context ctx, List<EventLog.Event> events, long lastId, Format format) {
    try {
      OutputStream out = open(ctx, format);
      for (EventLog.Event event : events) if (event.id() > lastId) write(out, event, format);
      out.flush();
    } catch (IOException e) {
      // the client went away; nothing to clean up
    }
  }

  private static OutputStream open(Context ctx, Format format) {
    var response = ctx.res();
    response.setStatus(200);
    response.setContentType(format == Format.SSE ? "text/event-stream;charset=utf-8" : "application/x-ndjson;charset=utf-8");
    response.setHeader("Cache-Control", "no-cache");
    response.setHeader("X-Accel-Buffering", "no");
    try {
      OutputStream out = response.getOutputStream();
      out.flush(); // headers go out now, before the first event
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void write(OutputStream out, EventLog.Event event, Format format) throws IOException {
    String text = format == Format.SSE
        ? "id: " + event.id() + "\nevent: " + event.name() + "\ndata: " + event.data() + "\n\n"
        : event.data() + "\n";
    out.write(text.getBytes(StandardCharsets.UTF_8));
  }
}
