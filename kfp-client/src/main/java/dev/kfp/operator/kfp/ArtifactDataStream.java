package dev.kfp.operator.kfp;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * The characters of the {@code data} string of a read_artifact answer ({@code {"data": "<base64>"}}), read from
 * the response body as they arrive, so a large artifact never sits in memory as one string. JSON escapes are
 * undone and whitespace dropped, which leaves plain base64 for a decoder.
 *
 * <p>Failures of the body stream itself (the connection) surface as {@link TransportException}, so that the
 * layers above can tell them from data that is not what KFP sends.
 */
final class ArtifactDataStream extends InputStream {

  /** The connection failed while the body was read. */
  static final class TransportException extends UncheckedIOException {
    TransportException(IOException cause) {
      super(cause);
    }
  }

  private static final int MAX_KEY_LENGTH = 256;

  private final InputStream body;
  private final byte[] buffer = new byte[8192];
  private int position;
  private int limit;
  private boolean ended;

  private ArtifactDataStream(InputStream body) {
    this.body = body;
  }

  /** The bytes the {@code data} string encodes, decoded from base64 as they are read. */
  static InputStream decoded(InputStream body) throws IOException {
    InputStream decoder = Base64.getDecoder().wrap(of(body));
    return new FilterInputStream(decoder) {
      @Override
      public int read(byte[] target, int offset, int length) throws IOException {
        try {
          return super.read(target, offset, length);
        } catch (LogArchive.UnreadableException e) {
          throw e;
        } catch (IOException e) {
          throw new LogArchive.UnreadableException("the answer's data is not base64 (" + e.getMessage() + ")", e);
        }
      }

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n;
        do {
          n = read(one, 0, 1);
        } while (n == 0);
        return n < 0 ? -1 : one[0] & 0xff;
      }
    };
  }

  /** Positions on the start of the {@code data} string; an answer without one reads as empty. */
  static InputStream of(InputStream body) throws IOException {
    ArtifactDataStream stream = new ArtifactDataStream(body);
    stream.seekData();
    return stream;
  }

  private void seekData() throws IOException {
    expect('{');
    int c = nonBlank();
    if (c == '}') {
      ended = true;
      return;
    }
    while (true) {
      if (c != '"') {
        throw unexpected(c);
      }
      String key = key();
      expect(':');
      c = nonBlank();
      if (key.equals("data")) {
        if (c == '"') {
          return;
        }
        if (c == 'n') {
          ended = true;
          return;
        }
        throw new LogArchive.UnreadableException("the answer's data field is not a string");
      }
      skipValue(c);
      c = nonBlank();
      if (c == '}') {
        ended = true;
        return;
      }
      if (c != ',') {
        throw unexpected(c);
      }
      c = nonBlank();
    }
  }

  @Override
  public int read() throws IOException {
    return nextDataChar();
  }

  @Override
  public int read(byte[] target, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    int count = 0;
    while (count < length) {
      int c = nextDataChar();
      if (c < 0) {
        break;
      }
      target[offset + count++] = (byte) c;
      if (position == limit) {
        break;  // do not wait for more of the body when there is something to hand on
      }
    }
    return count == 0 ? -1 : count;
  }

  /** The next base64 character of the data string, or -1 at its end. */
  private int nextDataChar() throws IOException {
    while (!ended) {
      int c = next();
      if (c < 0) {
        throw new LogArchive.UnreadableException("the answer ends inside the data string (truncated response)");
      }
      if (c == '"') {
        ended = true;
      } else if (c == '\\') {
        c = escape();
        if (isBase64(c)) {
          return c;
        }
        if (c >= 0) {
          throw new LogArchive.UnreadableException("the answer's data is not base64 (found an escaped '"
              + (char) c + "')");
        }
      } else if (isBase64(c)) {
        return c;
      } else if (c > ' ') {
        throw new LogArchive.UnreadableException("the answer's data is not base64 (found '" + (char) c + "')");
      }
    }
    return -1;
  }

  private static boolean isBase64(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'
        || c == '=';
  }

  /** The character an escape stands for, or -1 for escaped whitespace (line breaks some encoders insert). */
  private int escape() throws IOException {
    int c = next();
    switch (c) {
      case 'n', 'r', 't', 'b', 'f' -> {
        return -1;
      }
      case 'u' -> {
        int value = 0;
        for (int i = 0; i < 4; i++) {
          int digit = Character.digit(next(), 16);
          if (digit < 0) {
            throw new LogArchive.UnreadableException("the answer's data string has a bad \\u escape");
          }
          value = value * 16 + digit;
        }
        if (value > 0x7f) {
          throw new LogArchive.UnreadableException("the answer's data string is not base64");
        }
        return value <= ' ' ? -1 : value;
      }
      case -1 -> throw new LogArchive.UnreadableException("the answer ends inside the data string");
      default -> {
        return c;
      }
    }
  }

  private String key() throws IOException {
    StringBuilder key = new StringBuilder();
    while (true) {
      int c = next();
      if (c < 0) {
        throw unexpected(c);
      }
      if (c == '"') {
        return key.toString();
      }
      if (c == '\\') {
        c = next();
      }
      if (key.length() < MAX_KEY_LENGTH) {
        key.append((char) c);
      }
    }
  }

  /** Skips one JSON value whose first character was {@code first}; leaves the character after it unread. */
  private void skipValue(int first) throws IOException {
    if (first == '"') {
      skipString();
      return;
    }
    if (first == '{' || first == '[') {
      int depth = 1;
      while (depth > 0) {
        int c = next();
        if (c < 0) {
          throw unexpected(c);
        } else if (c == '"') {
          skipString();
        } else if (c == '{' || c == '[') {
          depth++;
        } else if (c == '}' || c == ']') {
          depth--;
        }
      }
      return;
    }
    // a number or a literal: runs until a delimiter, which stays unread
    while (true) {
      int c = peek();
      if (c < 0 || c == ',' || c == '}' || c == ']' || c <= ' ') {
        return;
      }
      next();
    }
  }

  private void skipString() throws IOException {
    while (true) {
      int c = next();
      if (c < 0) {
        throw unexpected(c);
      }
      if (c == '\\') {
        next();
      } else if (c == '"') {
        return;
      }
    }
  }

  private void expect(int wanted) throws IOException {
    int c = nonBlank();
    if (c != wanted) {
      throw unexpected(c);
    }
  }

  private int nonBlank() throws IOException {
    int c;
    do {
      c = next();
    } while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
    return c;
  }

  private static LogArchive.UnreadableException unexpected(int c) {
    return new LogArchive.UnreadableException(c < 0 ? "the answer ends early"
        : "the answer is not {\"data\": ...} JSON (unexpected '" + (char) c + "')");
  }

  private int peek() {
    if (position == limit && !fill()) {
      return -1;
    }
    return buffer[position] & 0xff;
  }

  private int next() {
    if (position == limit && !fill()) {
      return -1;
    }
    return buffer[position++] & 0xff;
  }

  private boolean fill() {
    try {
      int n = body.read(buffer, 0, buffer.length);
      if (n <= 0) {
        return false;
      }
      position = 0;
      limit = n;
      return true;
    } catch (IOException e) {
      throw new TransportException(e);
    }
  }
}
