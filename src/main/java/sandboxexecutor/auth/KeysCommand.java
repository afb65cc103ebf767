package sandboxexecutor.auth;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code java -jar sandbox-executor.jar keys create <name> <instance_id> [rpm=N,concurrent=N,daily_usd=X]}: prints
 * a new random key once and appends only its SHA-256 to the keys file, which is kept at mode 600.
 */
public final class KeysCommand {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
  private static final Pattern INSTANCE = Pattern.compile("[A-Za-z0-9._:-]{1,200}");
  private static final Pattern LIMITS = Pattern.compile("((rpm|concurrent)=\\d+|daily_usd=\\d+(\\.\\d+)?)(,((rpm|concurrent)=\\d+|daily_usd=\\d+(\\.\\d+)?))*");
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  static final String USAGE = "usage: keys create <name> <instance_id> [rpm=N,concurrent=N,daily_usd=X]";

  private final Path keysFile;
  private final SecureRandom random;

  public KeysCommand(Path keysFile, SecureRandom random) {
    this.keysFile = keysFile;
    this.random = random;
  }

  /** Runs {@code args} (after "keys"); the key goes to {@code out} alone, everything else to {@code err}. Returns the exit code. */
  public int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.size() < 3 || args.size() > 4 || !args.get(0).equals("create")) {
      err.println(USAGE);
      return 2;
    }
    String name = args.get(1);
    String instance = args.get(2);
    String limits = args.size() == 4 ? args.get(3) : "";
    if (!NAME.matcher(name).matches()) return fail(err, "the name must be 1-100 of A-Z a-z 0-9 . _ -");
    if (!INSTANCE.matcher(instance).matches()) return fail(err, "the instance_id must be 1-200 of A-Z a-z 0-9 . _ : -");
    if (!limits.isEmpty() && !LIMITS.matcher(limits).matches()) return fail(err, "limits look like rpm=60,concurrent=5,daily_usd=10");
    try {
      if (existingNames().contains(name)) return fail(err, "a key named '" + name + "' already exists in " + keysFile);
      String key = ApiKey.generate(random);
      String line = name + "\t" + ApiKey.sha256Hex(key) + "\t" + instance + (limits.isEmpty() ? "" : "\t" + limits) + "\n";
      append(line);
      out.println(key);
      err.println("Created API key '" + name + "' for instance '" + instance + "'; its SHA-256 is in " + keysFile
          + ". The key above is shown only this once. Restart the server (API_KEYS_FILE=" + keysFile
          + ") to load it; callers send it as Authorization: Bearer <key> or X-API-Key: <key>.");
      return 0;
    } catch (IOException e) {
      return fail(err, "cannot write " + keysFile + ": " + e.getMessage());
    }
  }

  private List<String> existingNames() throws IOException {
    if (!Files.exists(keysFile)) return List.of();
    return Files.readAllLines(keysFile).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .map(l -> l.split("\t")[0].strip()).toList();
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
