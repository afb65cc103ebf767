package sandboxexecutor.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Reads a {@code .env} file (KEY=VALUE lines, # comments, optional quotes); the real environment wins. */
public final class DotEnv {
  private DotEnv() {}

  public static Map<String, String> merge(Path file, Map<String, String> environment) throws IOException {
    var merged = new HashMap<String, String>();
    if (Files.isRegularFile(file)) {
      for (String line : Files.readAllLines(file)) {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) continue;
        if (trimmed.startsWith("export ")) trimmed = trimmed.substring(7).strip();
        int eq = trimmed.indexOf('=');
        if (eq <= 0) continue;
        String value = trimmed.substring(eq + 1).strip();
        if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
          value = value.substring(1, value.length() - 1);
        }
        merged.put(trimmed.substring(0, eq).strip(), value);
      }
    }
    merged.putAll(environment);
    return merged;
  }
}
