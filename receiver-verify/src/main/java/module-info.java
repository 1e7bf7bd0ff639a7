/**
 * Hookline receiver verify: the listener-side helper that checks a notification's API key, Standard
 * Webhooks signature and timestamp, guards against replays, answers the endpoint verification
 * handshake, and offers a ready {@code HttpHandler}. It does not depend on the sender modules.
 */
module dev.hookline.receiver {
  requires transitive com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires transitive java.net.http;
  requires transitive jdk.httpserver;
  requires static transitive org.jspecify;

  exports dev.hookline.receiver;
}
