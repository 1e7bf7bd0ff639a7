package dev.hookline;

/**
 * Root of every exception Hookline throws. All Hookline exceptions are unchecked; each subtype
 * carries structured detail (a reason or the offending fields) besides its message.
 *
 * <p>Abstract: every exception is one of its subtypes, so a handler can tell the causes apart.
 *
 * <p>Messages never contain an API key, a signing secret or a signature.
 *
 * <p>Immutable and thread-safe, as are Hookline's subclasses.
 */
public abstract class HooklineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message a user can act on.
   *
   * @param message what went wrong and, where possible, what to do about it
   */
  protected HooklineException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and the underlying cause.
   *
   * @param message what went wrong
   * @param cause the underlying failure
   */
  protected HooklineException(String message, Throwable cause) {
    super(message, cause);
  }
}
