package sandboxexecutor.auth;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code java -jar sandbox-executor.jar keys create|list|revoke}: creates a key (printed once; only its SHA-256 is
 * appended to the keys file, which is kept at mode 600), lists the keys without their hashes, or revokes one.
 * Running servers pick the change up within seconds (see {@link KeysReloader}).
 */
public final class KeysCommand {
  private static final Pattern LIMITS = Pattern.compile("((rpm|concurrent)=\\d+|daily_usd=\\d+(\\.\\d+)?)(,((rpm|concurrent)=\\d+|daily_usd=\\d+(\\.\\d+)?))*");
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  static final String USAGE = """
      usage: keys create <name> <instance_id> [rpm=N,concurrent=N,daily_usd=X]
             keys list
             keys revoke <name>""";

  private final Path keysFile;
  private final SecureRandom random;

  public KeysCommand(Path keysFile, SecureRandom random) {
    this.keysFile = keysFile;
    this.random = random;
  }

  /** Runs {@code args} (after "keys"); a new key goes to {@code out} alone, messages to {@code err}. Returns the exit code. */
  public int run(List<String> args, PrintStream out, PrintStream err) {
    try {
      return switch (args.isEmpty() ? "" : args.get(0)) {
        case "create" -> args.size() == 3 || args.size() == 4
            ? create(args.get(1), args.get(2), args.size() == 4 ? args.get(3) : "", out, err) : usage(err);
        case "list" -> args.size() == 1 ? list(out) : usage(err);
        case "revoke" -> args.size() == 2 ? revoke(args.get(1), err) : usage(err);
        default -> usage(err);
      };
    } catch (IOException e) {
      return fail(err, "cannot update " + keysFile + ": " + e.getMessage());
    }
  }

  private int create(String name, String instance, String limits, PrintStream out, PrintStream err) throws IOException {
    var invalid = Access.invalidEntry(name, instance);
    if (invalid.isPresent()) return fail(err, invalid.get());
    if (!limits.isEmpty() && !LIMITS.matcher(limits).matches()) return fail(err, "limits look like rpm=60,concurrent=5,daily_usd=10");
    if (entries().stream().anyMatch(e -> e[0].equals(name))) return fail(err, "a key named '" + name + "' already exists in " + keysFile);
    String key = ApiKey.generate(random);
    append(name + "\t" + ApiKey.sha256Hex(key) + "\t" + instance + (limits.isEmpty() ? "" : "\t" + limits) + "\n");
    out.println(key);
    err.println("Created API key '" + name + "' for instance '" + instance + "'; its SHA-256 is in " + keysFile
        + ". The key above is shown only this once. Servers reading this file (API_KEYS_FILE) accept it within"
        + " seconds; callers send it as Authorization: Bearer <key> or X-API-Key: <key>.");
    return 0;
  }

  /** One line per key: name, instance and limits; never the hash. */
  private int list(PrintStream out) throws IOException {
    for (String[] entry : entries()) {
      out.println(entry[0] + "\t" + (entry.length > 2 ? entry[2] : "") + (entry.length > 3 ? "\t" + entry[3] : ""));
    }
    return 0;
  }

  /** Rewrites the file without the key's line, atomically, so a server never reads half a file. */
  private int revoke(String name, PrintStream err) throws IOException {
    if (!Files.exists(keysFile)) return fail(err, "no key named '" + name + "': " + keysFile + " does not exist");
    var kept = new ArrayList<String>();
    boolean found = false;
    for (String line : Files.readAllLines(keysFile)) {
      boolean match = isEntry(line) && fields(line)[0].equals(name);
      found |= match;
      if (!match) kept.add(line);
    }
    if (!found) return fail(err, "no key named '" + name + "' in " + keysFile);
    Path next = Files.createTempFile(keysFile.toAbsolutePath().getParent(), ".api-keys", ".tmp",
        PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    Files.write(next, kept, StandardCharsets.UTF_8);
    Files.move(next, keysFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    err.println("Revoked API key '" + name + "'; servers reading " + keysFile + " refuse it within seconds.");
    return 0;
  }

  /** The file's key lines, split at tabs. */
  private List<String[]> entries() throws IOException {
    if (!Files.exists(keysFile)) return List.of();
    return Files.readAllLines(keysFile).stream().filter(KeysCommand::isEntry).map(KeysCommand::fields).toList();
  }

  private static String[] fields(String line) {
    return Arrays.stream(line.strip().split("\t")).map(String::strip).toArray(String[]::new);
  }

  private static boolean isEntry(String line) {
    String l = line.strip();
    return !l.isEmpty() && !l.startsWith("#");
  }

  private static int usage(PrintStream err) {
    err.println(USAGE);
    return 2;
  }

  private void append(String line) throws IOException {
    Path parent = keysFile.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    if (!Files.exists(keysFile)) Files.createFile(keysFile, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    Files.setPosixFilePermissions(keysFile, OWNER_ONLY);
    Files.writeString(keysFile, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  private static int fail(PrintStream err, String message) {
    err.println("keys: " + message);
    return 2;
  }
}
