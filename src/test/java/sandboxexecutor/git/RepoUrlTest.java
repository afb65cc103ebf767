package sandboxexecutor.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sandboxexecutor.net.UrlGuard;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

class RepoUrlTest {
  private final UrlGuard strict = new UrlGuard(false);
  private final UrlGuard dev = new UrlGuard(true);

  @Test
  void owner_slash_name_means_the_github_repository() {
    assertEquals(new RepoUrl("https", "github.com", -1, "/octo/hello-world.git"), RepoUrl.parse("repo", "octo/hello-world", strict, RepoUrl.GITHUB));
    assertEquals(new RepoUrl("https", "github.com", -1, "/octo/hello.js.git"), RepoUrl.parse("repo", "octo/hello.js.git", strict, RepoUrl.GITHUB));
    assertEquals("https://github.com/octo/x.git", RepoUrl.parse("repo", "octo/x", strict, RepoUrl.GITHUB).url());
  }

  @Test
  void owner_slash_name_resolves_against_a_github_enterprise_server_when_the_operator_names_one() {
    assertEquals("https://git.corp.example:8443/ghe/octo/x.git",
        RepoUrl.parse("repo", "octo/x", strict, java.net.URI.create("https://git.corp.example:8443/ghe/")).url());
  }

  @Test
  void https_urls_are_kept_with_host_lower_cased() {
    assertEquals(new RepoUrl("https", "gitlab.example.org", -1, "/group/sub/proj.git"),
        RepoUrl.parse("repo", "https://GitLab.Example.org/group/sub/proj.git", strict, RepoUrl.GITHUB));
    assertEquals(new RepoUrl("https", "git.example.com", 8443, "/a/b"), RepoUrl.parse("repo", "https://git.example.com:8443/a/b", strict, RepoUrl.GITHUB));
    assertEquals("https://git.example.com:8443/a/b", RepoUrl.parse("repo", "https://git.example.com:8443/a/b", strict, RepoUrl.GITHUB).url());
  }

  @Test
  void plain_http_is_accepted_only_when_private_networks_are_allowed() {
    assertEquals(new RepoUrl("http", "127.0.0.1", 8080, "/r.git"), RepoUrl.parse("repo", "http://127.0.0.1:8080/r.git", dev, RepoUrl.GITHUB));
    assertRefused("http://127.0.0.1:8080/r.git", strict, "repo must use https, not 'http'");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "file:///etc/passwd", "FILE:///etc", "file:/etc/passwd",
      "ext::sh -c touch% /tmp/pwned", "ext::sh", "fd::17", "myhelper::https://x/y",
      "ssh://git@github.com/o/n.git", "git+ssh://github.com/o/n", "git@github.com:o/n.git", "github.com:o/n",
      "--upload-pack=touch /tmp/x", "-oProxyCommand=x", "-",
      "https://user:pass@github.com/o/n.git", "https://token@github.com/o/n.git",
      "git://github.com/o/n.git", "ftp://example.com/r.git", "gopher://example.com/r",
      "https://github.com/o/n.git\n", "https://github.com/o/n .git", "https://github.com/o/n\u0000.git", "o/n\t",
      "/srv/repos/x.git", "./x", "../x", "github.com/o/n",
      "https://github.com/o/n.git?x=1", "https://github.com/o/n.git#frag", "https://github.com/", "https://github.com",
      "https://2130706433/r.git", "https://0x7f.1/r.git", "https://127.1/r.git", "https://exa_mple.com/r.git",
  })
  void refuses_every_form_other_than_https_and_owner_slash_name(String value) {
    var e = assertThrows(ExecutorException.class, () -> RepoUrl.parse("repo", value, dev, RepoUrl.GITHUB));
    assertEquals(ErrorCode.URL_NOT_ALLOWED, e.code(), e.getMessage());
    assertTrue(e.getMessage().startsWith("repo"), e.getMessage());
  }

  @Test
  void refusals_say_what_is_wrong_and_what_would_work() {
    assertRefused("ext::sh -c x", strict, "repo: must not contain spaces or control characters");
    assertRefused("ext::sh", strict, "repo: the ext:: transport runs commands and is never allowed");
    assertRefused("--upload-pack=x", strict, "repo: must not start with '-' (it would be read as a git option)");
    assertRefused("git@github.com:o/n.git", strict,
        "repo: scp-like ssh addresses such as git@host:owner/name are not supported; use https://host/owner/name.git or owner/name");
    assertRefused("ssh://github.com/o/n", strict, "repo: ssh URLs are not supported; use https://host/owner/name.git or owner/name");
    assertRefused("file:///etc", strict, "repo: file:// URLs are not allowed; use https://host/owner/name.git or owner/name");
    assertRefused("https://u:p@github.com/o/n", strict, "repo must not carry credentials");
    assertRefused("/srv/x.git", strict, "repo: must be https://host/owner/name.git or owner/name, not a local path");
  }

  @Test
  void a_missing_value_is_an_invalid_request() {
    var e = assertThrows(ExecutorException.class, () -> RepoUrl.parse("repo", "", strict, RepoUrl.GITHUB));
    assertEquals(ErrorCode.INVALID_REQUEST, e.code());
    assertEquals("repo: a repository URL is required", e.getMessage());
  }

  private static void assertRefused(String value, UrlGuard guard, String message) {
    var e = assertThrows(ExecutorException.class, () -> RepoUrl.parse("repo", value, guard, RepoUrl.GITHUB));
    assertEquals(ErrorCode.URL_NOT_ALLOWED, e.code());
    assertEquals(message, e.getMessage());
  }
}
