package sandboxexecutor.sandbox;

import java.nio.charset.StandardCharsets;

/**
 * Keeps the last {@code capacity} bytes of a stream and counts the rest: a command's end (the error, the test
 * summary) is what the model needs, so on overflow the head is dropped and replaced by a marker line.
 * Not thread-safe: one reader thread appends, the caller reads after joining it.
 */
public final class OutputTail {
  private final byte[] ring;
  private long total;

  public OutputTail(int capacity) {
    if (capacity <= 0) throw new IllegalArgumentException("capacity must be positive: " + capacity);
    this.ring = new byte[capacity];
  }

  public void append(byte[] bytes, int offset, int length) {
    if (length > ring.length) {   // only the last capacity bytes can stay: count the rest as dropped
      int skipped = length - ring.length;
      offset += skipped;
      total += skipped;
      length = ring.length;
    }
    int start = (int) (total % ring.length);
    int first = Math.min(length, ring.length - start);
    System.arraycopy(bytes, offset, ring, start, first);
    System.arraycopy(bytes, offset + first, ring, 0, length - first);
    total += length;
  }

  public long totalBytes() {
    return total;
  }

  public boolean truncated() {
    return total > ring.length;
  }

  /** The kept bytes as UTF-8, after {@code [... N bytes truncated ...]} when the head was dropped. */
  public String text() {
    if (!truncated()) return new String(ring, 0, (int) total, StandardCharsets.UTF_8);
    byte[] tail = new byte[ring.length];
    int start = (int) (total % ring.length);
    System.arraycopy(ring, start, tail, 0, ring.length - start);
    System.arraycopy(ring, 0, tail, ring.length - start, start);
    int skip = 0;   // do not start in the middle of a multi-byte character
    while (skip < 3 && skip < tail.length && (tail[skip] & 0xC0) == 0x80) skip++;
    long dropped = total - ring.length + skip;
    return "[... " + dropped + " bytes truncated ...]\n"
        + new String(tail, skip, tail.length - skip, StandardCharsets.UTF_8);
  }
}
