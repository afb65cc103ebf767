package sandboxexecutor.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the execution store lives, parsed from {@code DATABASE_URL}. Accepts {@code postgres://user:pass@host:port/db},
 * {@code postgresql://...} (query parameters such as {@code sslmode} are passed to the driver),
 * {@code jdbc:postgresql://...} and {@code jdbc:sqlite:/path}. The password is kept apart from the JDBC URL and
 * never printed: {@link #toString} and every error message leave it out.
 */
public record DatabaseUrl(Dialect dialect, String jdbcUrl, Optional<String> user, Optional<String> password) {

  public enum Dialect { SQLITE, POSTGRESQL }

  public static DatabaseUrl sqlite(Path file) {
    return new DatabaseUrl(Dialect.SQLITE, "jdbc:sqlite:" + file.toAbsolutePath(), Optional.empty(), Optional.empty());
  }

  public static DatabaseUrl parse(String url) {
    String trimmed = url.trim();
    if (trimmed.startsWith("jdbc:postgresql://")) {
      return new DatabaseUrl(Dialect.POSTGRESQL, trimmed, Optional.empty(), Optional.empty());
    }
    if (trimmed.startsWith("jdbc:sqlite:")) {
      return new DatabaseUrl(Dialect.SQLITE, trimmed, Optional.empty(), Optional.empty());
    }
    if (trimmed.startsWith("postgres://") || trimmed.startsWith("postgresql://")) return postgres(trimmed);
    int colon = trimmed.indexOf(':');
    String scheme = colon > 0 ? trimmed.substring(0, colon) : "(none)";
    throw new IllegalArgumentException("DATABASE_URL: unsupported scheme '" + scheme
        + "'; use postgres://, postgresql://, jdbc:postgresql:// or jdbc:sqlite:");
  }

  private static DatabaseUrl postgres(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      // the message would echo the URL, password included
      throw new IllegalArgumentException("DATABASE_URL: not a valid postgres:// URL (percent-encode special characters in the password)");
    }
    if (uri.getHost() == null) throw new IllegalArgumentException("DATABASE_URL: no host in the postgres:// URL");
    String path = uri.getRawPath() == null || uri.getRawPath().length() <= 1 ? "/postgres" : uri.getRawPath();
    String jdbc = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + path
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    Optional<String> user = Optional.empty();
    Optional<String> password = Optional.empty();
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = Optional.of(decode(parts[0])).filter(u -> !u.isEmpty());
      if (parts.length == 2) password = Optional.of(decode(parts[1]));
    }
    return new DatabaseUrl(Dialect.POSTGRESQL, jdbc, user, password);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8); // '+' is literal in userinfo
  }

  @Override
  public String toString() {
    return dialect + " " + jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1***") + user.map(u -> " as " + u).orElse("");
  }
}
