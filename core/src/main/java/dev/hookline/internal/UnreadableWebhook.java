package dev.hookline.internal;

import dev.hookline.SecretCipherException;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Which webhook a {@link SecretCipherException} from reading one webhook row is about, and that
 * row's tenant, read from its plain columns. A Store attaches it to the exception as a suppressed
 * exception ({@link #attach}); the admin API reads it back ({@link #of}) to delete such a webhook
 * (a corrupt row) and to answer for it, for the host and the webhook's own tenant, without its
 * secrets. Names no secret. Not API.
 *
 * <p>Immutable and thread-safe.
 */
public final class UnreadableWebhook extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String webhookId;
  private final @Nullable String tenant;

  private UnreadableWebhook(String webhookId, @Nullable String tenant) {
    super(
        "webhook " + webhookId + (tenant == null ? " of the host" : " of tenant " + tenant),
        null,
        false,
        false);
    this.webhookId = webhookId;
    this.tenant = tenant;
  }

  /**
   * Records on {@code failure} which webhook could not be read.
   *
   * @param failure the failure reading the webhook's row
   * @param webhookId the webhook's id
   * @param tenant its tenant, empty for the host's own
   * @return {@code failure}
   */
  public static SecretCipherException attach(
      SecretCipherException failure, String webhookId, Optional<String> tenant) {
    failure.addSuppressed(
        new UnreadableWebhook(Objects.requireNonNull(webhookId, "webhookId"), tenant.orElse(null)));
    return failure;
  }

  /**
   * Returns which webhook {@code failure} is about, if its Store said so.
   *
   * @param failure a failure reading a webhook
   * @return the webhook's id and tenant, or empty
   */
  public static Optional<UnreadableWebhook> of(Throwable failure) {
    for (Throwable s : failure.getSuppressed()) {
      if (s instanceof UnreadableWebhook u) {
        return Optional.of(u);
      }
    }
    return Optional.empty();
  }

  /**
   * Returns the webhook's id.
   *
   * @return the id
   */
  public String webhookId() {
    return webhookId;
  }

  /**
   * Returns the webhook's tenant.
   *
   * @return the tenant, empty for the host's own webhook
   */
  public Optional<String> tenant() {
    return Optional.ofNullable(tenant);
  }
}
