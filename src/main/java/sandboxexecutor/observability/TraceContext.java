package sandboxexecutor.observability;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A W3C Trace Context {@code traceparent} (version 00 layout): {@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex
 * flags>}. Invalid values are ignored, as the specification asks. {@link Tracing} makes it the parent of the
 * execution's span.
 */
public record TraceContext(String traceId, String parentId, String flags) {
  private static final Pattern FORMAT = Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");

  public static Optional<TraceContext> parse(String header) {
    if (header == null || header.length() > 512) return Optional.empty();
    var m = FORMAT.matcher(header.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) return Optional.empty();
    String version = m.group(1);
    if (version.equals("ff") || (version.equals("00") && m.group(5) != null)) return Optional.empty();
    if (m.group(2).chars().allMatch(c -> c == '0') || m.group(3).chars().allMatch(c -> c == '0')) return Optional.empty();
    return Optional.of(new TraceContext(m.group(2), m.group(3), m.group(4)));
  }
}
