package sandboxexecutor.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

class UrlGuardTest {
  private static final Set<String> WEB = Set.of("http", "https");

  /** No test here ever asks a real resolver: names come from this table, literals are parsed by hand. */
  private static UrlGuard guard(boolean allowPrivate, Map<String, List<String>> names) {
    return new UrlGuard(allowPrivate, host -> {
      var addresses = names.get(host);
      if (addresses == null) throw new UnknownHostException(host);
      var out = new ArrayList<InetAddress>();
      for (String a : addresses) out.add(address(a));
      return out;
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "::1", "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.1",
      "192.168.1.1", "169.254.169.254", "169.254.1.1", "100.64.0.1", "100.127.255.254", "fc00::1", "fd12:3456::1",
      "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a00:1", "2002:7f00:1::",
      "2002:c0a8:101::1", "0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255", "192.0.2.1", "198.18.0.1",
      "2001:db8::1", "2001:0:4136:e378::1", "100::1", "::7f00:1"})
  void non_public_addresses_are_refused(String literal) {
    assertFalse(UrlGuard.isPublic(address(literal)), literal);
    assertFalse(new UrlGuard(false).allowed(address(literal)), literal);
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "2a00:1450:4001::200e",
      "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"})
  void public_addresses_are_allowed(String literal) {
    assertTrue(UrlGuard.isPublic(address(literal)), literal);
    assertTrue(new UrlGuard(false).allowed(address(literal)), literal);
  }

  @ParameterizedTest
  @ValueSource(strings = {"169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254", "::ffff:169.254.169.254",
      "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1"})
  void metadata_endpoints_are_refused_even_when_private_networks_are_allowed(String literal) {
    assertFalse(new UrlGuard(true).allowed(address(literal)), literal);
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "::1", "10.0.0.1", "192.168.1.1", "fc00::1", "169.254.1.1"})
  void private_addresses_are_allowed_when_the_operator_allows_private_networks(String literal) {
    assertTrue(new UrlGuard(true).allowed(address(literal)), literal);
  }

  @Test
  void resolve_returns_the_checked_addresses_of_a_public_name() throws Exception {
    var guard = guard(false, Map.of("example.test", List.of("8.8.8.8", "2606:4700::1111")));
    assertEquals(List.of(address("8.8.8.8"), address("2606:4700::1111")), guard.resolve("example.test"));
  }

  @Test
  void resolve_refuses_a_name_with_any_private_address_and_says_how_to_allow_it() {
    var guard = guard(false, Map.of("mixed.test", List.of("8.8.8.8", "10.1.2.3")));
    var e = assertThrows(ExecutorException.class, () -> guard.resolve("mixed.test"));
    assertEquals(ErrorCode.URL_NOT_ALLOWED, e.code());
    assertEquals("'mixed.test' resolves to 10.1.2.3, a private, loopback, link-local or metadata address; "
        + "an operator can allow private networks with ALLOW_PRIVATE_NETWORKS=true", e.getMessage());
  }

  @Test
  void resolve_refuses_metadata_without_suggesting_a_setting() {
    var guard = guard(true, Map.of("meta.test", List.of("169.254.169.254")));
    var e = assertThrows(ExecutorException.class, () -> guard.resolve("meta.test"));
    assertEquals("'meta.test' resolves to 169.254.169.254, a private, loopback, link-local or metadata address", e.getMessage());
  }

  @Test
  void literals_are_checked_without_asking_the_lookup() throws Exception {
    var guard = guard(false, Map.of());
    assertThrows(ExecutorException.class, () -> guard.resolve("127.0.0.1"));
    assertThrows(ExecutorException.class, () -> guard.resolve("[::1]"));
    assertThrows(ExecutorException.class, () -> guard.resolve("::ffff:7f00:1"));
    assertEquals(List.of(address("8.8.8.8")), guard.resolve("8.8.8.8"));
    assertEquals(List.of(address("2606:4700::1111")), guard.resolve("[2606:4700::1111]"));
  }

  @Test
  void an_unknown_name_is_an_unknown_host() {
    assertThrows(UnknownHostException.class, () -> guard(false, Map.of()).resolve("nowhere.test"));
    assertThrows(UnknownHostException.class, () -> guard(false, Map.of("empty.test", List.of())).resolve("empty.test"));
  }

  @Test
  void dns_hands_okhttp_only_checked_addresses() throws Exception {
    var guard = guard(false, Map.of("ok.test", List.of("1.1.1.1"), "rebound.test", List.of("127.0.0.1")));
    assertEquals(List.of(address("1.1.1.1")), guard.dns().lookup("ok.test"));
    assertThrows(ExecutorException.class, () -> guard.dns().lookup("rebound.test"));
  }

  @Test
  void check_url_accepts_the_allowed_schemes() {
    var guard = new UrlGuard(false);
    assertEquals(URI.create("https://Example.com/a?b=c"), guard.checkUrl("url", "https://Example.com/a?b=c", WEB));
    assertEquals(URI.create("HTTP://example.com"), guard.checkUrl("url", "HTTP://example.com", WEB));
  }

  @Test
  void check_url_refuses_other_schemes_credentials_missing_hosts_and_bad_syntax() {
    var guard = new UrlGuard(false);
    assertRefused(guard, "file:///etc/passwd", "url must use http or https, not 'file'");
    assertRefused(guard, "ftp://example.com/x", "url must use http or https, not 'ftp'");
    assertRefused(guard, "javascript:alert(1)", "url must use http or https, not 'javascript'");
    assertRefused(guard, "example.com/x", "url must use http or https, not ''");
    assertRefused(guard, "https:///x", "url has no host");
    assertRefused(guard, "https://user:pw@example.com/", "url must not carry credentials");
    assertRefused(guard, "https://exa mple.com/", "url is not a valid URL: Illegal character in authority");
  }

  @Test
  void check_url_without_a_value_is_an_invalid_request() {
    var e = assertThrows(ExecutorException.class, () -> new UrlGuard(false).checkUrl("url", null, WEB));
    assertEquals(ErrorCode.INVALID_REQUEST, e.code());
    assertEquals("url is required", e.getMessage());
  }

  private static void assertRefused(UrlGuard guard, String url, String message) {
    var e = assertThrows(ExecutorException.class, () -> guard.checkUrl("url", url, WEB));
    assertEquals(ErrorCode.URL_NOT_ALLOWED, e.code());
    assertEquals(message, e.getMessage());
  }

  /** Parses an IPv4 or IPv6 literal into bytes by hand and builds the address with getByAddress: no lookup. */
  static InetAddress address(String literal) {
    try {
      return InetAddress.getByAddress(literal.contains(":") ? v6(literal) : v4(literal));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  private static byte[] v4(String literal) {
    String[] parts = literal.split("\\.");
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) b[i] = (byte) Integer.parseInt(parts[i]);
    return b;
  }

  private static byte[] v6(String literal) {
    var groups = new ArrayList<Integer>();
    String[] halves = literal.split("::", -1);
    List<Integer> head = groups(halves[0]);
    List<Integer> tail = halves.length > 1 ? groups(halves[1]) : List.of();
    groups.addAll(head);
    for (int i = head.size() + tail.size(); i < 8; i++) groups.add(0);
    groups.addAll(tail);
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[2 * i] = (byte) (groups.get(i) >> 8);
      b[2 * i + 1] = (byte) (int) groups.get(i);
    }
    return b;
  }

  private static List<Integer> groups(String part) {
    var out = new ArrayList<Integer>();
    if (part.isEmpty()) return out;
    for (String g : part.split(":")) {
      if (g.contains(".")) {
        byte[] q = v4(g);
        out.add((q[0] & 0xff) << 8 | (q[1] & 0xff));
        out.add((q[2] & 0xff) << 8 | (q[3] & 0xff));
      } else {
        out.add(Integer.parseInt(g, 16));
      }
    }
    return out;
  }
}
