package sandboxexecutor.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

class BranchNameTest {
  @ParameterizedTest
  @ValueSource(strings = {"main", "feature/x-1", "release/2024.05", "user@fix", "v1.2.3", "日本"})
  void accepts_ordinary_branch_names(String name) {
    assertEquals(new BranchName(name), BranchName.parse("branch", name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-x", "--upload-pack=x", "a..b", "a b", "a\tb", "a\nb", "a\u007fb", "a~1", "a^", "a:b",
      "a?", "a*", "a[", "a\\b", "x.lock", "x/y.lock/z", "x/", "/x", "a//b", ".hidden", "a/.b", "a.", "a@{1}", "@", "HEAD"})
  void refuses_names_git_would_reject_or_read_as_options(String name) {
    var e = assertThrows(ExecutorException.class, () -> BranchName.parse("branch", name));
    assertEquals(ErrorCode.INVALID_REQUEST, e.code());
    assertTrue(e.getMessage().startsWith("branch: "), e.getMessage());
  }

  @Test
  void the_message_names_the_field_and_the_rule() {
    var e = assertThrows(ExecutorException.class, () -> BranchName.parse("branch", "a..b"));
    assertEquals("branch: 'a..b' is not a valid branch name: it must not contain '..'", e.getMessage());
  }

  @Test
  void control_characters_are_escaped_in_the_message() {
    var e = assertThrows(ExecutorException.class, () -> BranchName.parse("branch", "a\nb"));
    assertEquals("branch: 'a\\x0ab' is not a valid branch name: it must not contain spaces or control characters", e.getMessage());
  }
}
