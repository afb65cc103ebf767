package sandboxexecutor.git;

import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import sandboxexecutor.net.UrlGuard;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

/**
 * A repository URL that is safe to hand to {@code git clone}: {@code https://host[:port]/path} with a plain host
 * name or IP literal, nothing else. {@code owner/name} is shorthand for {@code <github>/owner/name.git}, where
 * {@code github} is {@link #GITHUB} unless the operator names a GitHub Enterprise server.
 *
 * <p>Everything git would otherwise accept and we do not want is refused here, before git runs: local paths and
 * {@code file://} (read the host's disk), {@code ext::} and other {@code transport::} helpers (run commands),
 * {@code ssh://} and scp-like {@code user@host:path} (ssh config, keys, ProxyCommand), {@code git://}
 * (unencrypted), values starting with {@code -} (read as options such as {@code --upload-pack=}), credentials in
 * the URL (they would end up in {@code .git/config} and in logs), queries and fragments, and control characters.
 *
 * <p>Plain {@code http://} is allowed only when the guard allows private networks. That setting exists for
 * development and tests against local servers; in production (private networks off) only https is accepted, so
 * a token and the cloned code cannot be read or changed on the wire.
 *
 * <p>Host names are restricted to letters, digits, dots and dashes, and numeric hosts to canonical dotted quads,
 * so that Java (which checks the address) and curl (which connects) cannot read the same host differently,
 * e.g. {@code 2130706433} or {@code 0x7f.1}.
 *
 * @param port the explicit port, or -1 for the scheme's default
 * @param path the raw (still percent-encoded) path, starting with {@code /}
 */
public record RepoUrl(String scheme, String host, int port, String path) {
  public static final URI GITHUB = URI.create("https://github.com");
  private static final int MAX_LENGTH = 2048;
  private static final Pattern SHORTHAND =
      Pattern.compile("([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})");
  private static final Pattern HOST_NAME =
      Pattern.compile("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
  private static final Pattern DOTTED_QUAD =
      Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern NUMERIC_LAST_LABEL = Pattern.compile(".*(^|\\.)(0x[0-9a-f]*|\\d+)$");
  private static final Pattern TRANSPORT_PREFIX = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*::.*");

  public RepoUrl {
    if (!scheme.equals("https") && !scheme.equals("http")) throw new IllegalArgumentException("scheme " + scheme);
    if (!path.startsWith("/")) throw new IllegalArgumentException("path " + path);
  }

  /** The URL as passed to git, e.g. {@code https://github.com/owner/name.git}. */
  public String url() {
    return origin() + path;
  }

  /** {@code scheme://host[:port]}, without a path. */
  public String origin() {
    return scheme + "://" + host + (port < 0 ? "" : ":" + port);
  }

  /** The port git will connect to. */
  public int effectivePort() {
    return port >= 0 ? port : scheme.equals("https") ? 443 : 80;
  }

  /** True when the host is an IP literal (no DNS involved). */
  public boolean hostIsLiteral() {
    return host.startsWith("[") || DOTTED_QUAD.matcher(host).matches();
  }

  @Override
  public String toString() {
    return url();
  }

  /**
   * Parses {@code value} of the request field {@code field}. Throws INVALID_REQUEST when it is missing and
   * URL_NOT_ALLOWED when it is a form we refuse, naming the field and saying what would be accepted. The
   * shorthand {@code owner/name} resolves against {@code github}, an operator's http(s) URL.
   */
  public static RepoUrl parse(String field, String value, UrlGuard guard, URI github) {
    if (value == null || value.isEmpty()) throw ExecutorException.invalid(field + ": a repository URL is required");
    if (value.length() > MAX_LENGTH) throw refused(field, "is longer than " + MAX_LENGTH + " characters");
    if (value.chars().anyMatch(c -> c <= 0x20 || c == 0x7f || Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw refused(field, "must not contain spaces or control characters");
    }
    if (value.startsWith("-")) throw refused(field, "must not start with '-' (it would be read as a git option)");
    var shorthand = SHORTHAND.matcher(value);
    if (shorthand.matches()) return github(field, shorthand.group(1), shorthand.group(2), github);

    String lower = value.toLowerCase(Locale.ROOT);
    if (lower.startsWith("ext::")) throw refused(field, "the ext:: transport runs commands and is never allowed");
    if (TRANSPORT_PREFIX.matcher(value).matches()) {
      throw refused(field, "git remote helpers ('transport::address') are not allowed; use " + accepted(guard));
    }
    if (lower.startsWith("file:")) throw refused(field, "file:// URLs are not allowed; use " + accepted(guard));
    if (lower.startsWith("ssh://") || lower.startsWith("git+ssh://") || lower.startsWith("ssh+git://")) {
      throw refused(field, "ssh URLs are not supported; use " + accepted(guard));
    }
    if (!value.contains("://")) {
      int colon = value.indexOf(':');
      int slash = value.indexOf('/');
      if (colon >= 0 && (slash < 0 || colon < slash)) {
        throw refused(field, "scp-like ssh addresses such as git@host:owner/name are not supported; use " + accepted(guard));
      }
      throw refused(field, "must be " + accepted(guard) + ", not a local path");
    }
    return fromUri(field, guard.checkUrl(field, value, schemes(guard)), guard);
  }

  private static RepoUrl github(String field, String owner, String name, URI github) {
    String bare = name.endsWith(".git") ? name.substring(0, name.length() - 4) : name;
    if (bare.isEmpty() || bare.equals(".") || bare.equals("..")) throw refused(field, "'" + name + "' is not a repository name");
    String prefix = github.getRawPath() == null ? "" : github.getRawPath().replaceAll("/+$", "");
    return new RepoUrl(github.getScheme(), github.getHost(), github.getPort(), prefix + "/" + owner + "/" + bare + ".git");
  }

  private static RepoUrl fromUri(String field, URI uri, UrlGuard guard) {
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw refused(field, "must not have a query (?...) or fragment (#...)");
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    if (!host.startsWith("[") && !DOTTED_QUAD.matcher(host).matches()
        && (!HOST_NAME.matcher(host).matches() || NUMERIC_LAST_LABEL.matcher(host).matches())) {
      throw refused(field, "host '" + host + "' is not a plain host name or IP address");
    }
    String path = uri.getRawPath();
    if (path == null || path.isEmpty() || path.equals("/")) throw refused(field, "has no repository path");
    return new RepoUrl(uri.getScheme().toLowerCase(Locale.ROOT), host, uri.getPort(), path);
  }

  private static Set<String> schemes(UrlGuard guard) {
    return guard.allowsPrivateNetworks() ? Set.of("https", "http") : Set.of("https");
  }

  private static String accepted(UrlGuard guard) {
    return (guard.allowsPrivateNetworks() ? "http(s)" : "https") + "://host/owner/name.git or owner/name";
  }

  private static ExecutorException refused(String field, String problem) {
    return new ExecutorException(ErrorCode.URL_NOT_ALLOWED, field + ": " + problem);
  }
}
