package sandboxexecutor.tools.coding;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.sandbox.Command;
import sandboxexecutor.sandbox.CommandResult;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolContext;
import sandboxexecutor.tools.ToolResult;

/**
 * Searches file contents with a regular expression (Perl syntax, GNU grep -P inside the sandbox), with the
 * Agent SDK's Grep input fields; binary files and {@code .git} are skipped.
 */
public final class GrepTool implements Tool {
  private static final int DEFAULT_HEAD_LIMIT = 250;
  private static final Map<String, List<String>> TYPES = Map.ofEntries(
      Map.entry("js", List.of("*.js", "*.jsx", "*.mjs", "*.cjs")), Map.entry("ts", List.of("*.ts", "*.tsx", "*.mts", "*.cts")),
      Map.entry("py", List.of("*.py", "*.pyi")), Map.entry("java", List.of("*.java")), Map.entry("go", List.of("*.go")),
      Map.entry("rust", List.of("*.rs")), Map.entry("c", List.of("*.c", "*.h")), Map.entry("cpp", List.of("*.cpp", "*.cc", "*.cxx", "*.hpp", "*.hh", "*.h")),
      Map.entry("rb", List.of("*.rb")), Map.entry("php", List.of("*.php")), Map.entry("kotlin", List.of("*.kt", "*.kts")),
      Map.entry("swift", List.of("*.swift")), Map.entry("sh", List.of("*.sh", "*.bash")), Map.entry("md", List.of("*.md", "*.markdown")),
      Map.entry("json", List.of("*.json")), Map.entry("yaml", List.of("*.yaml", "*.yml")), Map.entry("html", List.of("*.html", "*.htm")),
      Map.entry("css", List.of("*.css", "*.scss")), Map.entry("sql", List.of("*.sql")), Map.entry("xml", List.of("*.xml")));
  private static final JsonNode SCHEMA = Json.parse("""
      {"type":"object","additionalProperties":false,"required":["pattern"],"properties":{
        "pattern":{"type":"string","minLength":1,"description":"The regular expression to search for in file contents"},
        "path":{"type":"string","description":"File or directory to search in; defaults to the workspace"},
        "glob":{"type":"string","description":"Glob to filter files, e.g. *.js or *.{ts,tsx}"},
        "output_mode":{"type":"string","enum":["content","files_with_matches","count"],"description":"Defaults to files_with_matches"},
        "-B":{"type":"integer","minimum":0,"description":"Lines of context before each match (content mode)"},
        "-A":{"type":"integer","minimum":0,"description":"Lines of context after each match (content mode)"},
        "-C":{"type":"integer","minimum":0,"description":"Lines of context before and after each match (content mode)"},
        "context":{"type":"integer","minimum":0,"description":"Same as -C"},
        "-n":{"type":"boolean","description":"Show line numbers (content mode, default true)"},
        "-i":{"type":"boolean","description":"Case insensitive search"},
        "-o":{"type":"boolean","description":"Print only the matched parts (content mode)"},
        "type":{"type":"string","description":"File type to search: js, ts, py, java, go, rust, c, cpp, rb, php, ..."},
        "head_limit":{"type":"integer","minimum":0,"description":"Limit output to the first N lines/entries (default 250, 0 = unlimited)"},
        "offset":{"type":"integer","minimum":0,"description":"Skip the first N lines/entries"},
        "multiline":{"type":"boolean","description":"Let . match newlines and patterns span lines"}}}""");

  record Input(String pattern, String path, String glob, @JsonProperty("output_mode") String outputMode,
               @JsonProperty("-B") Integer before, @JsonProperty("-A") Integer after, @JsonProperty("-C") Integer around,
               Integer context, @JsonProperty("-n") Boolean lineNumbers, @JsonProperty("-i") Boolean ignoreCase,
               @JsonProperty("-o") Boolean onlyMatching, String type, @JsonProperty("head_limit") Integer headLimit,
               Integer offset, Boolean multiline) {}

  @Override public String name() { return "Grep"; }

  @Override public String description() {
    return "Search file contents with a regular expression (Perl-compatible syntax). output_mode files_with_matches "
        + "(default) lists files, content shows matching lines (with -A/-B/-C context and -n line numbers), count "
        + "counts matches per file. Filter with glob or type. Results are limited by head_limit (default 250).";
  }

  @Override public JsonNode inputSchema() { return SCHEMA; }

  @Override public boolean readOnly() { return true; }

  @Override
  public ToolResult call(JsonNode json, ToolContext context) throws Exception {
    var input = Json.MAPPER.treeToValue(json, Input.class);
    String where = Workspace.files(context).resolve(input.path() == null || input.path().isBlank() ? "." : input.path());
    String mode = input.outputMode() == null ? "files_with_matches" : input.outputMode();
    var argv = new ArrayList<>(List.of("grep", "-r", "-I", "-P", "--exclude-dir=.git", "--color=never"));
    if (Boolean.TRUE.equals(input.ignoreCase())) argv.add("-i");
    if (Boolean.TRUE.equals(input.multiline())) argv.add("-z");
    switch (mode) {
      case "files_with_matches" -> argv.add("-l");
      case "count" -> argv.add("-c");
      default -> {
        if (input.lineNumbers() == null || input.lineNumbers()) argv.add("-n");
        if (Boolean.TRUE.equals(input.onlyMatching())) argv.add("-o");
        Integer around = input.around() != null ? input.around() : input.context();
        if (around != null) argv.add("-C" + around);
        if (input.before() != null) argv.add("-B" + input.before());
        if (input.after() != null) argv.add("-A" + input.after());
      }
    }
    if (input.glob() != null) expandBraces(input.glob()).forEach(g -> argv.add("--include=" + g));
    if (input.type() != null) {
      var globs = TYPES.get(input.type());
      if (globs == null) return ToolResult.error("Unknown type '" + input.type() + "'; known: " + String.join(", ", TYPES.keySet().stream().sorted().toList()));
      globs.forEach(g -> argv.add("--include=" + g));
    }
    String pattern = Boolean.TRUE.equals(input.multiline()) ? "(?s)" + input.pattern() : input.pattern();
    argv.addAll(List.of("-e", pattern, "--", where));
    CommandResult result = context.requireSandbox().run(new Command(argv, null, Map.of(), null, Workspace.timeout(context)));
    if (result.termination() != CommandResult.Termination.EXITED) return ToolResult.error("grep stopped: " + result.reason());
    if (result.exitCode() == 1 && result.stdout().isEmpty()) return ToolResult.ok("No matches found");
    if (result.exitCode() > 1 && result.stdout().isEmpty()) return ToolResult.error("grep failed: " + result.stderr().strip());
    var lines = new ArrayList<>(Arrays.asList(result.stdout().replace('\0', '\n').split("\n")));
    lines.removeIf(String::isEmpty);
    if (mode.equals("count")) lines.removeIf(l -> l.endsWith(":0"));
    int skip = input.offset() == null ? 0 : input.offset();
    int limit = input.headLimit() == null ? DEFAULT_HEAD_LIMIT : input.headLimit();
    var shown = lines.stream().skip(skip).limit(limit == 0 ? Long.MAX_VALUE : limit).toList();
    var out = new StringBuilder(String.join("\n", shown));
    int hidden = lines.size() - skip - shown.size();
    if (hidden > 0) out.append("\n(").append(hidden).append(" more; raise head_limit or use offset=").append(skip + shown.size()).append(")");
    if (result.truncated()) out.append("\n(grep output was cut at the output limit; narrow the search)");
    return ToolResult.ok(out.isEmpty() ? "No matches found" : out.toString());
  }

  /** {@code *.{ts,tsx}} becomes {@code *.ts} and {@code *.tsx}: grep's --include has no braces. */
  static List<String> expandBraces(String glob) {
    int open = glob.indexOf('{');
    int close = glob.indexOf('}', open + 1);
    if (open < 0 || close < 0) return List.of(glob);
    var out = new ArrayList<String>();
    for (String alt : glob.substring(open + 1, close).split(",")) {
      out.addAll(expandBraces(glob.substring(0, open) + alt + glob.substring(close + 1)));
    }
    return out;
  }
}
