/**
 * Hookline SET: notifications as Security Event Tokens (RFC 8417), signed JWS posted in the manner
 * of RFC 8935, with signing keys, rotation and the public JSON Web Key Set. An optional module: the
 * dispatcher's built-in Standard Webhooks path does not need it nor its JOSE library.
 */
module dev.hookline.set {
  requires transitive dev.hookline.delivery;
  requires com.nimbusds.jose.jwt;
  requires com.fasterxml.jackson.databind;
  requires static transitive org.jspecify;

  exports dev.hookline.set;
  exports dev.hookline.set.spi;
}
