package dev.hookline.spi;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Makes the ids of events, webhooks and deliveries: a prefix, an underscore and a URL-safe random
 * part (for example {@code evt_3q2x...}). Implementations must be thread-safe and must not repeat
 * an id.
 */
@FunctionalInterface
public interface IdGenerator {

  /**
   * Returns a new id.
   *
   * @param prefix a short lower-case prefix such as {@code evt}, {@code wh} or {@code dlv}
   * @return a new, unique, URL-safe id
   */
  String next(String prefix);

  /**
   * Returns the default generator: 128 random bits from {@link SecureRandom}, base64url-encoded
   * without padding (22 characters after the prefix).
   *
   * @return a thread-safe generator
   */
  static IdGenerator secureRandom() {
    return DefaultIds.INSTANCE;
  }

  /**
   * Returns a generator over a caller-supplied random source, for deterministic tests.
   *
   * @param random supplies the random source; called once
   * @return a generator that draws 16 bytes per id; as thread-safe as the source
   */
  static IdGenerator fromRandom(Supplier<? extends java.util.Random> random) {
    java.util.Random source = Objects.requireNonNull(random.get(), "random");
    return prefix -> {
      byte[] bytes = new byte[16];
      source.nextBytes(bytes);
      return prefix + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    };
  }
}

/** Holder for the default generator, so the SecureRandom is made once, lazily. */
final class DefaultIds {
  static final IdGenerator INSTANCE = IdGenerator.fromRandom(SecureRandom::new);

  private DefaultIds() {}
}
