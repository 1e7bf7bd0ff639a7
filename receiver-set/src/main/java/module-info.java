/**
 * Hookline receiver SET: the listener-side verifier of Security Event Tokens (RFC 8417) against the
 * sender's JSON Web Key Set, with the checks and {@code ReplayGuard} of receiver-verify. It does
 * not depend on the sender modules.
 */
module dev.hookline.receiver.set {
  requires transitive dev.hookline.receiver;
  requires transitive com.fasterxml.jackson.databind;
  requires transitive java.net.http;
  requires com.nimbusds.jose.jwt;
  requires org.slf4j;
  requires static transitive org.jspecify;

  exports dev.hookline.receiver.set;
}
