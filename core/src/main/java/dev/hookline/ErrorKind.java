package dev.hookline;

/**
 * Why an attempt failed without a usable HTTP status, or was not made at all.
 *
 * <p>Immutable and thread-safe.
 */
public enum ErrorKind {
  /** The attempt's deadline passed (connecting, waiting for headers, or reading the body). */
  TIMEOUT,
  /** The connection could not be made (refused, unreachable, DNS failure). */
  CONNECT_FAILED,
  /** The connection was closed or reset before a complete response arrived. */
  CONNECTION_RESET,
  /** The response was not valid HTTP. */
  MALFORMED_RESPONSE,
  /** The TLS handshake failed. */
  TLS_FAILED,
  /** The endpoint resolved to an address the SSRF guard refuses. */
  BLOCKED_ADDRESS,
  /** The webhook was deleted, disabled or stopped receiving before the attempt. */
  WEBHOOK_UNAVAILABLE,
  /** The endpoint's circuit breaker was open, so no request was made. */
  CIRCUIT_OPEN,
  /** A fault inside the sender (a bug, an unexpected exception). */
  INTERNAL,
  /**
   * The sender's shutdown cut the attempt off before the endpoint answered: the request may have
   * gone out. The delivery is handed back and sent again; no attempt is recorded, so only an
   * attempt observer sees this kind.
   */
  CANCELLED
}
