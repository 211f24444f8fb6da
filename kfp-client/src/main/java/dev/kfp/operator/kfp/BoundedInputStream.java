package dev.kfp.operator.kfp;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads at most {@code limit} bytes of a response, then fails: a huge answer must not exhaust the heap. */
final class BoundedInputStream extends FilterInputStream {

  /** The answer was larger than the limit. */
  static final class TooLargeException extends IOException {
    TooLargeException(long limit) {
      super("KFP's answer is larger than " + limit / (1024 * 1024) + " MiB; it was not read");
    }
  }

  private final long limit;
  private long read;

  BoundedInputStream(InputStream in, long limit) {
    super(in);
    this.limit = limit;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      count(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n > 0) {
      count(n);
    }
    return n;
  }

  private void count(int n) throws TooLargeException {
    read += n;
    if (read > limit) {
      throw new TooLargeException(limit);
    }
  }
}
