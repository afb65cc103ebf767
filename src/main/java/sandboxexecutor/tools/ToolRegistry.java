package sandboxexecutor.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import sandboxexecutor.protocol.ExecutorException;

/** The tools one execution mode offers, by name, with their compiled input schemas. */
public final class ToolRegistry {
  private record Entry(Tool tool, JsonSchema schema) {}

  private final Map<String, Entry> tools = new LinkedHashMap<>();
  private final List<String> defaults;

  public ToolRegistry(List<Tool> all, List<String> defaults) {
    var factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    for (Tool tool : all) tools.put(tool.name(), new Entry(tool, factory.getSchema(tool.inputSchema())));
    for (String name : defaults) if (!tools.containsKey(name)) throw new IllegalArgumentException("default tool " + name);
    this.defaults = List.copyOf(defaults);
  }

  public List<String> names() {
    return List.copyOf(tools.keySet());
  }

  /**
   * The tools an execution gets: {@code allowed} (null: the mode's defaults) minus {@code disallowed}. An unknown
   * name is the caller's mistake and answers 400 naming the field.
   */
  public List<Tool> select(List<String> allowed, List<String> disallowed) {
    check("options.allowed_tools", allowed);
    check("options.disallowed_tools", disallowed);
    var selected = new ArrayList<Tool>();
    for (String name : allowed == null ? defaults : allowed) {
      if (!disallowed.contains(name) && selected.stream().noneMatch(t -> t.name().equals(name))) {
        selected.add(tools.get(name).tool());
      }
    }
    return selected;
  }

  private void check(String field, List<String> names) {
    if (names == null) return;
    for (String name : names) {
      if (!tools.containsKey(name)) {
        throw ExecutorException.invalid(field + ": unknown tool '" + name + "'; this mode offers "
            + String.join(", ", tools.keySet()));
      }
    }
  }

  /** Schema errors of {@code input} for the model to correct, or empty when it is valid. */
  public Optional<String> validate(Tool tool, JsonNode input) {
    var messages = tools.get(tool.name()).schema().validate(input);
    if (messages.isEmpty()) return Optional.empty();
    return Optional.of(messages.stream().map(ValidationMessage::getMessage).sorted().collect(Collectors.joining("; ")));
  }
}
