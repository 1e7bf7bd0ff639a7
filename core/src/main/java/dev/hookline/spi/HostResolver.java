package dev.hookline.spi;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Resolves a host name to addresses, for the SSRF guard. The default uses the JVM's resolver; tests
 * inject one to simulate DNS (for example a name that rebinds to loopback).
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface HostResolver {

  /**
   * Resolves a host name.
   *
   * @param host a host name (never an IP literal: the guard parses those itself)
   * @return every address the name resolves to; never empty
   * @throws UnknownHostException if the name does not resolve
   */
  List<InetAddress> resolve(String host) throws UnknownHostException;

  /**
   * Returns the JVM's resolver ({@link InetAddress#getAllByName}).
   *
   * @return the system resolver
   */
  static HostResolver system() {
    return host -> List.of(InetAddress.getAllByName(host));
  }
}
