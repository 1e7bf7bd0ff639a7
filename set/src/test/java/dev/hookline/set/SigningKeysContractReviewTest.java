package dev.hookline.set;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.set.spi.SigningKeys;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Review round 11: a {@code SigningKeys} of the host's own (a key management service's, an HSM's)
 * that breaks its contract was not told so. One that returned no signing key failed every attempt
 * with a bare {@code NullPointerException} ("Cannot invoke ... because key is null") in the
 * attempt's detail and log; one that published no keys had {@code Jwks.of} serve {@code
 * {"keys":[]}}, with which every receiver refuses every token; and a key set with one {@code kid}
 * on two keys (a key regenerated under the old id) was served as it was, so receivers verified
 * tokens against whichever key they found first. Each is now refused with a message that says which
 * {@code SigningKeys} or which key id.
 */
class SigningKeysContractReviewTest {

  /** A host's implementation, named so that messages can be checked for it. */
  private static final class BrokenKeys implements SigningKeys {
    private final SigningKey signing;
    private final List<SigningKey> published;

    BrokenKeys(SigningKey signing, List<SigningKey> published) {
      this.signing = signing;
      this.published = published;
    }

    @Override
    public SigningKey signingKey(Instant now) {
      return signing;
    }

    @Override
    public List<SigningKey> publishedKeys(Instant now) {
      return published;
    }
  }

  @Test
  void noSigningKeyIsRefusedNamingTheImplementation() {
    SecurityEventTokenFormat format =
        SecurityEventTokenFormat.builder()
            .issuer(Fixtures.ISSUER)
            .signingKeys(new BrokenKeys(null, List.of(Fixtures.EC_1)))
            .build();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                format.token(
                    Fixtures.updated("evt_no_key", Fixtures.T0),
                    Fixtures.webhook("https://rp.example/hook", Optional.empty()),
                    Fixtures.T0));
    assertTrue(e.getMessage().contains(BrokenKeys.class.getName()), e.getMessage());
    assertTrue(e.getMessage().contains("no signing key"), e.getMessage());
  }

  @Test
  void noPublishedKeysAreRefusedNamingTheImplementation() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Jwks.of(new BrokenKeys(Fixtures.EC_1, List.of()), Fixtures.T0));
    assertTrue(e.getMessage().contains(BrokenKeys.class.getName()), e.getMessage());
    assertTrue(e.getMessage().contains("no keys"), e.getMessage());
  }

  @Test
  void oneKeyIdOnTwoKeysIsRefusedNamingIt() {
    SigningKey regenerated =
        SigningKey.of(
            Fixtures.EC_1.keyId(),
            SigningAlgorithm.RS256,
            Fixtures.RSA_1.privateKey(),
            Fixtures.RSA_1.publicKey());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Jwks.of(List.of(Fixtures.EC_1, regenerated)));
    assertTrue(e.getMessage().contains("\"" + Fixtures.EC_1.keyId() + "\""), e.getMessage());
    IllegalArgumentException viaSpi =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Jwks.of(
                    new BrokenKeys(Fixtures.EC_1, List.of(Fixtures.EC_1, regenerated)),
                    Fixtures.T0));
    assertTrue(viaSpi.getMessage().contains(Fixtures.EC_1.keyId()), viaSpi.getMessage());
  }
}
