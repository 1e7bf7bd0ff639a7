package dev.hookline.set;

/**
 * The JWS algorithms Security Event Tokens are signed with, each pinned to one key type.
 *
 * <p>Immutable and thread-safe.
 */
public enum SigningAlgorithm {
  /** RSASSA-PKCS1-v1_5 with SHA-256, RSA keys of at least 2048 bits. The default. */
  RS256,
  /** ECDSA on P-256 with SHA-256. */
  ES256
}
