package sandboxexecutor.tools.coding;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.sandbox.Command;
import sandboxexecutor.sandbox.CommandResult;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolContext;
import sandboxexecutor.tools.ToolResult;

/** Finds workspace files by glob pattern ({@code **}/*.py), newest first; {@code .git} is skipped. */
public final class GlobTool implements Tool {
  private static final int MAX_RESULTS = 100;
  private static final JsonNode SCHEMA = Json.parse("""
      {"type":"object","additionalProperties":false,"required":["pattern"],"properties":{
        "pattern":{"type":"string","minLength":1,"description":"The glob pattern to match files against, e.g. **/*.java"},
        "path":{"type":"string","description":"The directory to search in; omit for the workspace root"}}}""");

  record Input(String pattern, String path) {}

  @Override public String name() { return "Glob"; }

  @Override public String description() {
    return "Find files by name pattern (glob: *, **, ?, {a,b}), for example **/*.py or src/**/test_*.py. Returns "
        + "absolute paths, most recently modified first, at most " + MAX_RESULTS + ".";
  }

  @Override public JsonNode inputSchema() { return SCHEMA; }

  @Override public boolean readOnly() { return true; }

  @Override
  public ToolResult call(JsonNode json, ToolContext context) throws Exception {
    var input = Json.MAPPER.treeToValue(json, Input.class);
    String dir = Workspace.files(context).directory(input.path() == null || input.path().isBlank() ? "." : input.path());
    if (dir == null) return ToolResult.error(input.path() + " is not a directory");
    PathMatcher matcher;
    PathMatcher topLevel;
    try {
      matcher = FileSystems.getDefault().getPathMatcher("glob:" + input.pattern());
      topLevel = topLevel(input.pattern());
    } catch (IllegalArgumentException e) {
      return ToolResult.error("Invalid glob pattern: " + e.getMessage());
    }
    var argv = new ArrayList<>(List.of("find", dir, "-name", ".git", "-prune", "-o", "-type", "f"));
    String last = input.pattern().substring(input.pattern().lastIndexOf('/') + 1);
    if (!last.contains("**") && !last.contains("{")) argv.addAll(List.of("-name", last)); // prefilter: less output to carry back
    argv.addAll(List.of("-printf", "%T@\\t%P\\n"));
    CommandResult result = context.requireSandbox().run(new Command(argv, null, Map.of(), null, Workspace.timeout(context)));
    if (!result.ok()) return ToolResult.error("find failed: " + result.stderr().strip() + " " + result.reason());
    record Hit(double mtime, String path) {}
    var hits = new ArrayList<Hit>();
    for (String line : result.stdout().split("\n")) {
      int tab = line.indexOf('\t');
      if (tab < 0) continue;
      String rel = line.substring(tab + 1);
      if (matches(matcher, topLevel, rel)) hits.add(new Hit(Double.parseDouble(line.substring(0, tab)), rel));
    }
    if (hits.isEmpty()) return ToolResult.ok("No files found");
    hits.sort(Comparator.comparingDouble(Hit::mtime).reversed().thenComparing(Hit::path));
    var out = new StringBuilder();
    hits.stream().limit(MAX_RESULTS).forEach(h -> out.append(dir.equals("/") ? "" : dir).append('/').append(h.path()).append('\n'));
    if (hits.size() > MAX_RESULTS) out.append("(").append(hits.size() - MAX_RESULTS).append(" more; narrow the pattern)\n");
    if (result.truncated()) out.append("(the file listing was cut at the output limit; search a narrower path)\n");
    return ToolResult.ok(out.toString());
  }

  /**
   * Java globs need a directory for {@code **}/; as in other glob tools, {@code **}/x also matches x at the top:
   * the matcher for x, or null when the pattern does not start with {@code **}/.
   */
  private static PathMatcher topLevel(String pattern) {
    return pattern.startsWith("**/") ? FileSystems.getDefault().getPathMatcher("glob:" + pattern.substring(3)) : null;
  }

  private static boolean matches(PathMatcher matcher, PathMatcher topLevel, String relative) {
    Path path = Path.of(relative);
    return matcher.matches(path) || topLevel != null && topLevel.matches(path);
  }
}
