package sandboxexecutor.instances;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import sandboxexecutor.config.ModelCatalog;
import sandboxexecutor.protocol.Json;

/**
 * INSTANCE_CONFIG_FILE: {@code {"instances": {"<id>": {...}, "default": {...}}}} in JSON or YAML (by extension:
 * {@code .yaml}/{@code .yml} is YAML). Read once at start-up; a bad file stops start-up with a one-line message
 * naming its path and field.
 */
public final class InstanceFile {
  private InstanceFile() {}

  public static Map<String, InstanceSettings> load(Path file, ModelCatalog models, Set<String> knownTools) {
    String where = "INSTANCE_CONFIG_FILE " + file;
    String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? new ObjectMapper(new YAMLFactory()) : Json.MAPPER;
    JsonNode root;
    try (var in = Files.newInputStream(file)) {
      root = mapper.readTree(in);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(where + ": does not exist");
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException(where + ": permission denied");
    } catch (JsonProcessingException e) { // getMessage() spans lines and quotes the source, so does YAML's own
      var at = e.getLocation();
      String what = e.getCause() instanceof MarkedYAMLException yaml ? yaml.getProblem() : e.getOriginalMessage();
      throw new IllegalArgumentException(where + ": " + oneLine(what)
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    } catch (IOException e) {
      throw new IllegalArgumentException(where + ": cannot read: " + oneLine(e.getMessage()));
    }
    if (root == null || !root.path("instances").isObject() || root.size() != 1) {
      throw new IllegalArgumentException(where + ": expected {\"instances\": {\"<id>\": {...}}}");
    }
    var out = new LinkedHashMap<String, InstanceSettings>();
    root.get("instances").properties().forEach(e ->
        out.put(e.getKey(), InstanceSettings.parse(e.getValue(), where + ": instances." + e.getKey(), models, knownTools)));
    return Map.copyOf(out);
  }

  private static String oneLine(String message) {
    return String.valueOf(message).strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /** The instance's entry, else the "default" entry, else none. */
  static Optional<InstanceSettings> lookup(Map<String, InstanceSettings> entries, String instanceId) {
    return Optional.ofNullable(entries.getOrDefault(instanceId, entries.get("default")));
  }
}
