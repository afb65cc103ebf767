package sandboxexecutor.git;

import sandboxexecutor.protocol.ExecutorException;

/**
 * A branch name that follows git's ref name rules ({@code git check-ref-format --branch}) and cannot be read as
 * an option. Checked here so a bad name is a clear INVALID_REQUEST rather than a confusing clone failure, and so
 * no value starting with {@code -} ever reaches git's argv.
 */
public record BranchName(String value) {
  private static final int MAX_LENGTH = 255;

  public BranchName {
    String problem = problem(value);
    if (problem != null) throw new IllegalArgumentException(problem);
  }

  /** Parses the request field {@code field}; INVALID_REQUEST naming the field when the name is not valid. */
  public static BranchName parse(String field, String value) {
    String problem = problem(value);
    if (problem != null) throw ExecutorException.invalid(field + ": '" + printable(value) + "' is not a valid branch name: " + problem);
    return new BranchName(value);
  }

  @Override
  public String toString() {
    return value;
  }

  private static String problem(String name) {
    if (name == null || name.isEmpty()) return "it is empty";
    if (name.length() > MAX_LENGTH) return "it is longer than " + MAX_LENGTH + " characters";
    if (name.startsWith("-")) return "it must not start with '-'";
    if (name.equals("@") || name.equals("HEAD")) return "'" + name + "' is reserved";
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f || Character.isWhitespace(c) || Character.isISOControl(c)) {
        return "it must not contain spaces or control characters";
      }
      if ("~^:?*[\\".indexOf(c) >= 0) return "it must not contain any of ~ ^ : ? * [ \\";
    }
    if (name.contains("..")) return "it must not contain '..'";
    if (name.contains("@{")) return "it must not contain '@{'";
    if (name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
      return "it must not start or end with '/' or contain '//'";
    }
    if (name.endsWith(".")) return "it must not end with '.'";
    for (String component : name.split("/")) {
      if (component.startsWith(".")) return "no part between slashes may start with '.'";
      if (component.endsWith(".lock")) return "no part between slashes may end with '.lock'";
    }
    return null;
  }

  /** The value with control characters escaped, so an error message cannot forge log lines. */
  private static String printable(String value) {
    if (value == null) return "";
    var out = new StringBuilder();
    value.codePoints().limit(100).forEach(c -> {
      if (c < 0x20 || c == 0x7f) out.append(String.format("\\x%02x", c));
      else out.appendCodePoint(c);
    });
    return out.toString();
  }
}
