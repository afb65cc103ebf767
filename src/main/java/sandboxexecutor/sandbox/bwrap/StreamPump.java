package sandboxexecutor.sandbox.bwrap;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import sandboxexecutor.sandbox.OutputListener;
import sandboxexecutor.sandbox.OutputTail;

/**
 * Reads one output stream of a command on a virtual thread: keeps its tail and hands decoded chunks to the
 * listener as they arrive (a multi-byte character split across reads is held back until complete).
 */
final class StreamPump {
  private final OutputTail tail;
  private final Thread thread;

  private StreamPump(InputStream in, OutputListener.Stream stream, OutputListener listener, int capacity) {
    this.tail = new OutputTail(capacity);
    this.thread = Thread.ofVirtual().name("sandbox-" + stream.name().toLowerCase()).start(
        () -> pump(in, stream, listener));
  }

  static StreamPump start(InputStream in, OutputListener.Stream stream, OutputListener listener, int capacity) {
    return new StreamPump(in, stream, listener, capacity);
  }

  /**
   * The captured tail once the stream ended. The tree is dead by then, so the pipe is at its end; the bound only
   * guards against a writer we do not know of, and then the result is what was read so far.
   */
  Captured await(Duration wait) throws InterruptedException {
    thread.join(wait);
    synchronized (tail) {
      return new Captured(tail.text(), tail.truncated());
    }
  }

  record Captured(String text, boolean truncated) {}

  private void pump(InputStream in, OutputListener.Stream stream, OutputListener listener) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    ByteBuffer pending = ByteBuffer.allocate(16 * 1024 + 4);
    CharBuffer chars = CharBuffer.allocate(16 * 1024 + 4);
    byte[] buffer = new byte[16 * 1024];
    try (in) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        synchronized (tail) {
          tail.append(buffer, 0, n);
        }
        if (listener == OutputListener.NONE) continue;
        pending.put(buffer, 0, n).flip();
        decoder.decode(pending, chars, false);
        pending.compact();
        emit(listener, stream, chars.flip());
        chars.clear();
      }
    } catch (IOException e) {
      // the stream was closed under us (process killed): what was read is kept
    }
  }

  private static void emit(OutputListener listener, OutputListener.Stream stream, CharBuffer chars) {
    if (!chars.hasRemaining()) return;
    try {
      listener.onOutput(stream, chars.toString());
    } catch (RuntimeException e) {
      // a failing listener must not stop the capture the result is built from
    }
  }
}
