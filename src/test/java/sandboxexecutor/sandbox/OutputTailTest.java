package sandboxexecutor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OutputTailTest {
  private static void append(OutputTail tail, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    tail.append(bytes, 0, bytes.length);
  }

  @Test
  void output_within_the_cap_is_kept_whole() {
    var tail = new OutputTail(10);
    append(tail, "hello");
    append(tail, "12345");
    assertEquals("hello12345", tail.text());
    assertFalse(tail.truncated());
  }

  @Test
  void output_past_the_cap_keeps_the_tail_after_a_marker() {
    var tail = new OutputTail(10);
    append(tail, "abcdefgh");
    append(tail, "ijklmnop");
    append(tail, "q");
    assertTrue(tail.truncated());
    assertEquals(17, tail.totalBytes());
    assertEquals("[... 7 bytes truncated ...]\nhijklmnopq", tail.text());
  }

  @Test
  void one_write_larger_than_the_cap_keeps_its_end() {
    var tail = new OutputTail(4);
    append(tail, "ab");
    append(tail, "0123456789");
    append(tail, "x");
    assertEquals("[... 9 bytes truncated ...]\n789x", tail.text());
  }

  @Test
  void the_tail_never_starts_inside_a_multi_byte_character() {
    var tail = new OutputTail(5);
    append(tail, "aaaa€€");   // € is 3 bytes: the last 5 bytes start with the second byte of the first €
    assertEquals("[... 7 bytes truncated ...]\n€", tail.text());
  }
}
