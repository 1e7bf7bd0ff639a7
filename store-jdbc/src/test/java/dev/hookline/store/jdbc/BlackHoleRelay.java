package dev.hookline.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback to the database, for connections that stop answering. {@link
 * #blackHoleExisting} makes every connection open at that moment swallow what either side sends,
 * without closing anything (as a network that drops the packets, or a failover, does); connections
 * accepted later are relayed normally.
 *
 * <p>Thread-safe.
 */
public final class BlackHoleRelay implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicInteger generation = new AtomicInteger();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicLong swallowed = new AtomicLong();

  /**
   * Starts relaying to a port on loopback.
   *
   * @param target the database's port
   * @throws IOException if no port can be opened
   */
  public BlackHoleRelay(int target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "relay-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The port to connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** How many connections were accepted. */
  public int connections() {
    return accepted.get();
  }

  /** How many bytes the black-holed connections swallowed. */
  public long swallowed() {
    return swallowed.get();
  }

  /**
   * Makes every connection open now swallow all traffic from here on.
   *
   * @return how many connections were accepted until now: those numbered up to this one (by {@link
   *     #connections()} as each was accepted) swallow, those accepted later relay
   */
  public synchronized int blackHoleExisting() {
    generation.incrementAndGet();
    return accepted.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        sockets.add(client);
        sockets.add(upstream);
        int born;
        synchronized (this) { // a connection counted before a black hole is in it
          accepted.incrementAndGet();
          born = generation.get();
        }
        pump(client, upstream, born);
        pump(upstream, client, born);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void pump(Socket from, Socket to, int born) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[8192];
              try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                  if (generation.get() == born) {
                    out.write(buf, 0, n);
                    out.flush();
                  } else {
                    swallowed.addAndGet(n); // as by a network that drops the packets
                  }
                }
              } catch (IOException e) {
                // either side closed
              }
            },
            "relay-pump");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Closes every connection and stops accepting, freeing whatever waits on them.
   *
   * @throws IOException if a socket fails to close
   */
  public void cut() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
