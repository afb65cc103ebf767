package sandboxexecutor.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import sandboxexecutor.protocol.ErrorCode;
import sandboxexecutor.protocol.ExecutorException;

/**
 * Checks user-supplied URLs and the addresses their hosts resolve to. Loopback, private, link-local, CGNAT,
 * multicast and reserved addresses are refused unless the operator allows private networks; cloud metadata
 * endpoints are refused always. To survive DNS rebinding, callers connect only to the addresses that
 * {@link #resolve} returned (see {@link #dns()}), never to a second lookup.
 */
public final class UrlGuard {
  private static final Set<String> METADATA = Set.of("169.254.169.254", "169.254.170.2", "100.100.100.200",
      "fd00:ec2:0:0:0:0:0:254");

  /** Turns a host name into addresses; the system resolver in production, a fixed table in tests. */
  @FunctionalInterface
  public interface Lookup {
    List<InetAddress> lookup(String host) throws UnknownHostException;
  }

  private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private final boolean allowPrivateNetworks;
  private final Lookup lookup;

  public UrlGuard(boolean allowPrivateNetworks) {
    this(allowPrivateNetworks, host -> List.of(InetAddress.getAllByName(host)));
  }

  public UrlGuard(boolean allowPrivateNetworks, Lookup lookup) {
    this.allowPrivateNetworks = allowPrivateNetworks;
    this.lookup = lookup;
  }

  public boolean allowsPrivateNetworks() {
    return allowPrivateNetworks;
  }

  /** Parses {@code url} and checks its scheme, host and form; the host is not resolved here. */
  public URI checkUrl(String field, String url, Set<String> schemes) {
    if (url == null || url.isBlank()) throw ExecutorException.invalid(field + " is required");
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw refused(field + " is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!schemes.contains(scheme)) {
      throw refused(field + " must use " + String.join(" or ", schemes.stream().sorted().toList()) + ", not '" + scheme + "'");
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) throw refused(field + " has no host");
    if (uri.getRawUserInfo() != null) throw refused(field + " must not carry credentials");
    return uri;
  }

  /**
   * Resolves {@code host} (a name, an IPv4 literal or an IPv6 literal with or without brackets) and returns its
   * addresses, all of them allowed, or throws URL_NOT_ALLOWED.
   */
  public List<InetAddress> resolve(String host) throws UnknownHostException {
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    // Literals never reach the lookup, so a test table or a resolver cannot answer for them differently.
    boolean literal = bare.contains(":") || DOTTED_QUAD.matcher(bare).matches();
    List<InetAddress> addresses = literal ? List.of(InetAddress.getByName(bare)) : List.copyOf(lookup.lookup(bare));
    if (addresses.isEmpty()) throw new UnknownHostException(host + ": no addresses");
    for (InetAddress address : addresses) {
      if (!allowed(address)) {
        throw refused("'" + host + "' resolves to " + address.getHostAddress()
            + ", a private, loopback, link-local or metadata address" + (isMetadata(address) ? "" :
            "; an operator can allow private networks with ALLOW_PRIVATE_NETWORKS=true"));
      }
    }
    return addresses;
  }

  /** An OkHttp resolver that only ever hands out checked addresses. */
  public okhttp3.Dns dns() {
    return this::resolve;
  }

  public boolean allowed(InetAddress address) {
    if (isMetadata(address)) return false;
    return allowPrivateNetworks || isPublic(address);
  }

  /**
   * True for a cloud metadata endpoint, also when it hides inside an IPv6 address that embeds an IPv4 one
   * (NAT64, 6to4, compatible): with private networks allowed those forms would otherwise reach it.
   */
  static boolean isMetadata(InetAddress address) {
    String text = address.getHostAddress().toLowerCase(Locale.ROOT);
    int scope = text.indexOf('%');
    if (METADATA.contains(scope < 0 ? text : text.substring(0, scope))) return true;
    byte[] embedded = embeddedV4(address.getAddress());
    if (embedded == null) return false;
    try {
      return METADATA.contains(InetAddress.getByAddress(embedded).getHostAddress());
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);  // cannot happen: four bytes are always a valid address
    }
  }

  /** True for globally routable unicast addresses only. */
  public static boolean isPublic(InetAddress address) {
    if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
        || address.isSiteLocalAddress() || address.isMulticastAddress()) {
      return false;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) return isPublicV4(b);
    if (address instanceof Inet6Address) {
      int first = b[0] & 0xff;
      if ((first & 0xfe) == 0xfc) return false;                         // fc00::/7 unique local
      if (first == 0x01 && b[1] == 0 && allZero(b, 2, 8)) return false;  // 100::/64 discard
      if (first == 0x20 && (b[1] & 0xff) == 0x01 && b[2] == 0 && b[3] == 0) return false;  // 2001::/32 Teredo
      if (first == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
        return false;                                                   // 2001:db8::/32 documentation
      }
      byte[] v4 = embeddedV4(b);
      if (v4 != null) return isPublicV4(v4);
      if (first == 0 && allZero(b, 1, 12)) return false;               // ::/96 (::, ::1)
      return true;
    }
    return false;
  }

  private static boolean isPublicV4(byte[] b) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    int a2 = b[2] & 0xff;
    return !(a0 == 0 || a0 == 10 || a0 == 127 || a0 >= 224
        || (a0 == 100 && a1 >= 64 && a1 <= 127)        // CGNAT
        || (a0 == 169 && a1 == 254)
        || (a0 == 172 && a1 >= 16 && a1 <= 31)
        || (a0 == 192 && a1 == 168)
        || (a0 == 192 && a1 == 0 && (a2 == 0 || a2 == 2))
        || (a0 == 198 && (a1 == 18 || a1 == 19))
        || (a0 == 198 && a1 == 51 && a2 == 100)
        || (a0 == 203 && a1 == 0 && a2 == 113));
  }

  /** The IPv4 address inside ::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d (NAT64) or 2002:a.b.c.d::/48 (6to4). */
  private static byte[] embeddedV4(byte[] b) {
    if (b.length != 16) return null;
    boolean mapped = allZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = allZero(b, 0, 12) && !allZero(b, 12, 15);     // not :: or ::1
    boolean nat64 = b[0] == 0 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
        && allZero(b, 4, 12);
    if (mapped || compatible || nat64) return new byte[] {b[12], b[13], b[14], b[15]};
    if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) return new byte[] {b[2], b[3], b[4], b[5]};
    return null;
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) if (b[i] != 0) return false;
    return true;
  }

  private static ExecutorException refused(String message) {
    return new ExecutorException(ErrorCode.URL_NOT_ALLOWED, message);
  }
}
