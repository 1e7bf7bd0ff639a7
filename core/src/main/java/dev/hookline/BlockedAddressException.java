package dev.hookline;

import java.util.Objects;

/**
 * The SSRF guard refused an endpoint's host or one of the addresses it resolves to.
 *
 * <p>Immutable and thread-safe.
 */
public final class BlockedAddressException extends HooklineException {
  private static final long serialVersionUID = 1L;

  private final AddressBlock block;
  private final String address;

  /**
   * Creates the exception.
   *
   * @param refusal what was refused and why
   */
  public BlockedAddressException(AddressPolicy.Refusal refusal) {
    super("Refused by the SSRF guard: " + Objects.requireNonNull(refusal, "refusal"));
    this.block = refusal.block();
    this.address = refusal.address();
  }

  /**
   * Returns the kind of address refused.
   *
   * @return the block reason
   */
  public AddressBlock block() {
    return block;
  }

  /**
   * Returns the refused host or address, as text.
   *
   * @return the address
   */
  public String address() {
    return address;
  }
}
