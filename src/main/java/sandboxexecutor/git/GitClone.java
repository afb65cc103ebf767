package sandboxexecutor.git;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import sandboxexecutor.net.UrlGuard;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

/**
 * Prepares an execution's workspace on the host: a shallow clone of a checked repository URL, or an empty repo.
 *
 * <p>git runs with a cleared environment and no system, global or repository hooks or templates, may speak
 * https only (http only when private networks are allowed), never follows redirects, and connects only to the
 * addresses {@link UrlGuard#resolve} checked ({@code http.curloptResolve}), so a DNS answer that changes between
 * our check and git's connect (rebinding) cannot point it at an internal service.
 *
 * <p>After the agent has started, the host must never run git in the workspace again: the agent can write
 * {@code .git/config} and hooks, and any git run on the host would execute them. Diffs run inside the sandbox.
 */
public final class GitClone {
  /** Fixed, so that git is found without consulting the service's environment. */
  private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final Duration INIT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration MIN_INSPECT_TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_MESSAGE = 1000;
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");

  private final UrlGuard guard;
  private final GitToken token;

  /** @param token for private repositories, or null */
  public GitClone(UrlGuard guard, GitToken token) {
    this.guard = guard;
    this.token = token;
  }

  public GitClone(UrlGuard guard) {
    this(guard, null);
  }

  /**
   * Shallow-clones {@code url} into {@code targetDir} (absent or empty), checking out {@code branchOrNull} or the
   * remote's default branch. Throws CLONE_FAILED when git fails or runs past {@code timeout}, URL_NOT_ALLOWED when
   * the host resolves to an address the guard refuses, INVALID_REQUEST for a bad branch name.
   */
  public CloneResult clone(RepoUrl url, String branchOrNull, Path targetDir, Duration timeout)
      throws InterruptedException {
    BranchName branch = branchOrNull == null ? null : BranchName.parse("branch", branchOrNull);
    Instant deadline = Instant.now().plus(timeout);
    requireEmptyOrAbsent(targetDir);
    List<InetAddress> addresses = resolve(url);
    Path scratch = createScratch();
    try {
      var argv = new ArrayList<>(List.of("git"));
      argv.addAll(safeConfig());
      argv.addAll(List.of("-c", "protocol.allow=never", "-c", "protocol.https.allow=always"));
      if (guard.allowsPrivateNetworks()) argv.addAll(List.of("-c", "protocol.http.allow=always"));
      argv.addAll(List.of("-c", "http.followRedirects=false"));  // a redirect would lead past our address check
      if (!url.hostIsLiteral()) argv.addAll(List.of("-c", "http.curloptResolve=" + pin(url, addresses)));
      argv.addAll(List.of("clone", "--quiet", "--depth", "1", "--single-branch", "--no-tags", "--template="));
      if (branch != null) argv.addAll(List.of("--branch", branch.value()));
      argv.addAll(List.of("--", url.url(), targetDir.toAbsolutePath().toString()));

      var env = environment(scratch);
      if (token != null && token.isFor(url)) {
        // environment-only config: not in argv (visible to every user via ps) and not written to .git/config
        env.put("GIT_CONFIG_COUNT", "1");
        // scoped to this URL's scheme, host and port, so even a redirect (off anyway) could not carry it away
        env.put("GIT_CONFIG_KEY_0", "http." + url.origin() + "/.extraHeader");
        env.put("GIT_CONFIG_VALUE_0", token.header());
      }
      var outcome = GitProcess.run(argv, env, scratch, scratch, remaining(deadline));
      if (outcome.timedOut()) throw failed("repo: cloning " + url + " timed out after " + seconds(timeout));
      if (outcome.exitCode() != 0) {
        throw failed("repo: cloning " + url + (branch == null ? "" : " (branch " + branch + ")") + " failed: "
            + scrub(outcome.stderr()));
      }
      return inspect(targetDir, branch, scratch, deadline);
    } catch (IOException e) {
      throw new ExecutorException(ErrorCode.CLONE_FAILED, "repo: could not run git: " + e.getMessage(), e);
    } finally {
      deleteTree(scratch);
    }
  }

  /** Makes {@code dir} an empty repository on branch {@code main}, so a later diff shows every created file. */
  public void init(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path scratch = createScratch();
    try {
      var argv = new ArrayList<>(List.of("git"));
      argv.addAll(safeConfig());
      argv.addAll(List.of("init", "--quiet", "--initial-branch=main", "--template=", "--", dir.toAbsolutePath().toString()));
      var outcome = GitProcess.run(argv, environment(scratch), dir, scratch, INIT_TIMEOUT);
      if (!outcome.succeeded()) throw new IOException("git init in " + dir + " failed: " + outcome.stderr().strip());
    } finally {
      deleteTree(scratch);
    }
  }

  /**
   * Reads the branch and commit of the fresh clone. Running git here is safe only because nothing but git has
   * written to the clone yet: its config and (absent) hooks are git's own, not the agent's.
   */
  private CloneResult inspect(Path dir, BranchName requested, Path scratch, Instant deadline)
      throws IOException, InterruptedException {
    var env = environment(scratch);
    var head = git(dir, env, scratch, deadline, "symbolic-ref", "--quiet", "--short", "HEAD");
    // detached when the requested name was a tag; the name asked for is then the best description
    String branch = head.succeeded() ? head.stdout().strip() : requested == null ? null : requested.value();
    var commit = git(dir, env, scratch, deadline, "rev-parse", "--verify", "--quiet", "HEAD^{commit}");
    String sha = commit.succeeded() ? commit.stdout().strip() : null;
    if (sha != null && !COMMIT.matcher(sha).matches()) throw failed("repo: unexpected HEAD after clone: " + scrub(sha));
    return new CloneResult(branch, sha);
  }

  private GitProcess.Outcome git(Path dir, Map<String, String> env, Path scratch, Instant deadline, String... args)
      throws IOException, InterruptedException {
    // the workspace directory already belongs to the sandbox's uid, which git otherwise calls dubious
    var argv = new ArrayList<>(List.of("git", "-C", dir.toString(), "-c", "safe.directory=" + dir.toAbsolutePath()));
    argv.addAll(safeConfig());
    argv.addAll(List.of(args));
    Duration left = remaining(deadline);
    return GitProcess.run(argv, env, dir, scratch, left.compareTo(MIN_INSPECT_TIMEOUT) < 0 ? MIN_INSPECT_TIMEOUT : left);
  }

  /** Config that keeps git from running anything but itself and from asking anyone for credentials. */
  private static List<String> safeConfig() {
    return List.of("-c", "core.hooksPath=/dev/null", "-c", "credential.helper=", "-c", "core.askPass=",
        "-c", "core.fsmonitor=false", "-c", "submodule.recurse=false", "-c", "gc.auto=0",
        "-c", "maintenance.auto=false");
  }

  /** Built from nothing: only what git needs, with an empty HOME and no system or global config. */
  private static Map<String, String> environment(Path scratch) throws IOException {
    Path home = Files.createDirectories(scratch.resolve("home"));
    var env = new HashMap<String, String>();
    env.put("PATH", PATH);
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    env.put("LC_ALL", "C");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_CONFIG_GLOBAL", "/dev/null");
    env.put("GIT_ATTR_NOSYSTEM", "1");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_PROTOCOL_FROM_USER", "0");
    return env;
  }

  private List<InetAddress> resolve(RepoUrl url) {
    try {
      return guard.resolve(url.host());
    } catch (UnknownHostException e) {
      throw failed("repo: cannot resolve host '" + url.host() + "'");
    }
  }

  /** {@code host:port:addr[,addr]}: curl uses these addresses for the host instead of asking DNS again. */
  static String pin(RepoUrl url, List<InetAddress> addresses) {
    return url.host() + ":" + url.effectivePort() + ":" + addresses.stream()
        .map(a -> a instanceof Inet6Address ? "[" + a.getHostAddress().replaceAll("%.*", "") + "]" : a.getHostAddress())
        .collect(Collectors.joining(","));
  }

  /** git's stderr for an error message: the token removed, one line per message, at most MAX_MESSAGE chars. */
  private String scrub(String text) {
    String clean = text;
    if (token != null) {
      clean = clean.replace(token.value(), "***").replace(token.basic(), "***");
    }
    clean = clean.strip().replaceAll("[\\x00-\\x09\\x0b-\\x1f\\x7f]", "?").replace('\n', ' ');
    return clean.length() > MAX_MESSAGE ? clean.substring(0, MAX_MESSAGE) + "..." : clean;
  }

  private static void requireEmptyOrAbsent(Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<Path> entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) throw new IllegalArgumentException(dir + " is not empty");
    } catch (IOException e) {
      throw new IllegalArgumentException(dir + " is not a readable directory", e);
    }
  }

  private static Path createScratch() {
    try {
      return Files.createTempDirectory("sandbox-executor-git");
    } catch (IOException e) {
      throw new ExecutorException(ErrorCode.CLONE_FAILED, "repo: cannot create a temporary directory for git", e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: the scratch dir holds no secrets, only an empty HOME
    }
  }

  private static Duration remaining(Instant deadline) {
    Duration left = Duration.between(Instant.now(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static ExecutorException failed(String message) {
    return new ExecutorException(ErrorCode.CLONE_FAILED, message);
  }
}
