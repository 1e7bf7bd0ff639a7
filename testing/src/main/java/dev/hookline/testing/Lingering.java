package dev.hookline.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import javax.net.ssl.SSLSocket;

/** How the loopback listeners of this module end a connection whose request they refused. */
final class Lingering {
  /** The longest a refused connection is drained before it is closed. */
  static final int LINGER_MILLIS = 2000;

  private Lingering() {}

  /**
   * Ends a connection whose request was refused without cutting off the answer: closing a socket
   * with unread bytes in its receive buffer (the rest of the refused request) sends a TCP reset,
   * which may reach the client before it has read the answer, so the client would see the
   * connection die instead of the status. So the listener stops sending (on plain sockets: TLS has
   * no half-close to offer, and the client closes on the answer), reads and drops what the client
   * still sends until it closes its side (as it must after {@code Connection: close}), for at most
   * {@link #LINGER_MILLIS} or {@code maxBytes}, and only then returns for the caller to close.
   *
   * @param s the connection
   * @param in its input
   * @param maxBytes the most bytes dropped
   * @throws IOException if the socket fails
   */
  static void drain(Socket s, InputStream in, long maxBytes) throws IOException {
    if (!(s instanceof SSLSocket)) {
      s.shutdownOutput();
    }
    s.setSoTimeout(LINGER_MILLIS);
    byte[] drop = new byte[8192];
    long dropped = 0;
    try {
      for (int n = in.read(drop); n >= 0 && dropped < maxBytes; n = in.read(drop)) {
        dropped += n;
      }
    } catch (SocketTimeoutException e) {
      // the client neither closed nor sent more in time: close anyway
    }
  }
}
