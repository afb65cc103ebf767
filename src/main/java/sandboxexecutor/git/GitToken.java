package sandboxexecutor.git;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A token for cloning private repositories and the hosts it may be sent to. It goes to git as an
 * {@code Authorization} header scoped to one URL through environment-only config, so it never appears in argv,
 * in the clone's {@code .git/config} or in error messages, and never reaches any other host.
 *
 * @param hosts lower-case host names (no port) the token belongs to, e.g. {@code github.com}
 */
public record GitToken(String value, Set<String> hosts) {
  public static final Set<String> DEFAULT_HOSTS = Set.of("github.com");

  public GitToken {
    if (value == null || value.isBlank()) throw new IllegalArgumentException("GIT_TOKEN is empty");
    // a line break would let the token add headers of its own
    if (value.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
      throw new IllegalArgumentException("GIT_TOKEN must not contain spaces or control characters");
    }
    if (hosts == null || hosts.isEmpty()) throw new IllegalArgumentException("GIT_TOKEN_HOSTS is empty");
    hosts = hosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }

  public GitToken(String value) {
    this(value, DEFAULT_HOSTS);
  }

  public boolean isFor(RepoUrl url) {
    return hosts.contains(url.host());
  }

  /** The header git sends, the form GitHub documents for tokens over https. */
  String header() {
    return "Authorization: Basic " + basic();
  }

  String basic() {
    return Base64.getEncoder().encodeToString(("x-access-token:" + value).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "GitToken[***, hosts=" + hosts + "]";
  }
}
