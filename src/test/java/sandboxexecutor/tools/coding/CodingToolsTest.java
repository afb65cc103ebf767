package sandboxexecutor.tools.coding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.sandbox.OutputListener;
import sandboxexecutor.sandbox.SandboxLimits;
import sandboxexecutor.sandbox.SandboxSpec;
import sandboxexecutor.sandbox.bwrap.BwrapBackend;
import sandboxexecutor.sandbox.bwrap.BwrapSandbox;
import sandboxexecutor.sandbox.bwrap.BwrapSettings;
import sandboxexecutor.sandbox.bwrap.BwrapTesting;
import sandboxexecutor.tools.TodoList;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolContext;
import sandboxexecutor.tools.ToolResult;

/** The coding tools against a real bubblewrap sandbox, called the way the agent loop calls them. */
class CodingToolsTest {
  static BwrapSandbox sandbox;
  static ToolContext context;

  @BeforeAll
  static void sandbox() throws Exception {
    var backend = new BwrapBackend(BwrapSettings.defaults(BwrapTesting.workspacesRoot()));
    BwrapTesting.assumeUsable(backend);
    sandbox = backend.create(new SandboxSpec("codingtools", SandboxLimits.DEFAULTS, false, Map.of()));
    context = new ToolContext(Instant.now().plusSeconds(120), Optional.of(sandbox), new TodoList(), null, OutputListener.NONE);
    call(new BashTool(), Map.of("command", "mkdir -p src/pkg && printf 'alpha\\nbeta\\nAlpha beta\\n' > src/pkg/a.py && "
        + "printf 'x = 1\\n' > b.py && printf 'one two\\n' > notes.md && seq 1 3000 > long.txt && ln -s /etc escape"));
  }

  @AfterAll
  static void close() {
    if (sandbox != null) sandbox.close();
  }

  static ToolResult call(Tool tool, Map<String, Object> input) throws Exception {
    return tool.call(Json.MAPPER.valueToTree(input), context);
  }

  @Test
  void read_numbers_lines_and_pages_through_long_files() throws Exception {
    assertEquals("     1\talpha\n     2\tbeta\n     3\tAlpha beta\n", call(new ReadTool(), Map.of("file_path", "src/pkg/a.py")).content());
    var page = call(new ReadTool(), Map.of("file_path", "/workspace/long.txt", "offset", 2999, "limit", 5)).content();
    assertEquals("  2999\t2999\n  3000\t3000\n", page);
    var first = call(new ReadTool(), Map.of("file_path", "long.txt")).content();
    assertTrue(first.endsWith("... (1000 more lines; read on with offset=2001)\n"), first.substring(first.length() - 80));
  }

  @Test
  void file_tools_refuse_paths_outside_the_workspace_symlinks_included() {
    for (String path : List.of("/etc/passwd", "../../etc/passwd", "escape/passwd")) {
      var e = org.junit.jupiter.api.Assertions.assertThrows(java.nio.file.FileSystemException.class,
          () -> call(new ReadTool(), Map.of("file_path", path)), path);
      assertTrue(e.getMessage().contains("outside"), e.getMessage());
    }
  }

  @Test
  void edit_replaces_a_unique_string_and_refuses_missing_or_ambiguous_ones() throws Exception {
    call(new WriteTool(), Map.of("file_path", "edit.txt", "content", "red green red\n"));
    var ambiguous = call(new EditTool(), Map.of("file_path", "edit.txt", "old_string", "red", "new_string", "blue"));
    assertTrue(ambiguous.isError() && ambiguous.content().contains("occurs 2 times"), ambiguous.content());
    var missing = call(new EditTool(), Map.of("file_path", "edit.txt", "old_string", "purple", "new_string", "blue"));
    assertTrue(missing.isError() && missing.content().contains("not found"), missing.content());
    assertFalse(call(new EditTool(), Map.of("file_path", "edit.txt", "old_string", "green", "new_string", "$1 \\o/")).isError());
    assertFalse(call(new EditTool(), Map.of("file_path", "edit.txt", "old_string", "red", "new_string", "blue", "replace_all", true)).isError());
    assertEquals("     1\tblue $1 \\o/ blue\n", call(new ReadTool(), Map.of("file_path", "edit.txt")).content());
  }

  @Test
  void glob_matches_top_level_and_nested_files_without_git() throws Exception {
    var py = call(new GlobTool(), Map.of("pattern", "**/*.py")).content();
    assertEquals(List.of("/workspace/b.py", "/workspace/src/pkg/a.py"), py.lines().sorted().toList());
    assertEquals("/workspace/src/pkg/a.py\n", call(new GlobTool(), Map.of("pattern", "*.py", "path", "src/pkg")).content());
    assertEquals("No files found", call(new GlobTool(), Map.of("pattern", "**/*.rs")).content());
  }

  @Test
  void grep_lists_files_shows_content_with_line_numbers_and_counts() throws Exception {
    assertEquals("/workspace/src/pkg/a.py", call(new GrepTool(), Map.of("pattern", "be+ta", "type", "py")).content());
    assertEquals("/workspace/src/pkg/a.py:2:beta\n/workspace/src/pkg/a.py:3:Alpha beta",
        call(new GrepTool(), Map.of("pattern", "beta", "output_mode", "content", "glob", "*.{py,md}")).content());
    assertEquals("/workspace/src/pkg/a.py:2",
        call(new GrepTool(), Map.of("pattern", "^alpha", "-i", true, "output_mode", "count")).content());
    assertEquals("No matches found", call(new GrepTool(), Map.of("pattern", "zebra")).content());
  }

  @Test
  void bash_reports_exit_codes_and_refuses_background_runs() throws Exception {
    var failed = call(new BashTool(), Map.of("command", "echo out; echo err >&2; exit 3"));
    assertTrue(failed.isError());
    assertEquals("out\nerr\n\nExit code 3", failed.content());
    assertTrue(call(new BashTool(), Map.of("command", "sleep 1", "run_in_background", true)).isError());
    assertEquals("/workspace\n", call(new BashTool(), Map.of("command", "pwd")).content());
  }
}
