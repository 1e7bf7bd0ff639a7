package dev.hookline;

import java.util.Objects;
import java.util.Optional;

/**
 * Whom an event is about: the user, and optionally the application and the tenant it happened in.
 * Filters can match on {@code subject.user_id}, {@code subject.app_id} and {@code subject.tenant}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param userId the user's id; not blank
 * @param appId the application's id, if the event happened in one
 * @param tenant the tenant, if the platform has several
 */
public record Subject(String userId, Optional<String> appId, Optional<String> tenant) {

  /** Checks that no component is null. Blank values are reported by {@link Event.Builder}. */
  public Subject {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(tenant, "tenant");
  }

  /**
   * A subject with only a user.
   *
   * @param userId the user's id
   * @return the subject
   */
  public static Subject user(String userId) {
    return new Subject(userId, Optional.empty(), Optional.empty());
  }

  /**
   * Returns a copy with the application set.
   *
   * @param appId the application's id
   * @return a new subject
   */
  public Subject withApp(String appId) {
    return new Subject(userId, Optional.of(Objects.requireNonNull(appId, "appId")), tenant);
  }

  /**
   * Returns a copy with the tenant set.
   *
   * @param tenant the tenant
   * @return a new subject
   */
  public Subject withTenant(String tenant) {
    return new Subject(userId, appId, Optional.of(Objects.requireNonNull(tenant, "tenant")));
  }
}
