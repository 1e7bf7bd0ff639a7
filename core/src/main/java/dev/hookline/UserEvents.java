package dev.hookline;

import java.util.ArrayList;
import java.util.List;

/**
 * The built-in catalogue of user events. Every type here is subscribable except {@link
 * #DELETION_REQUESTED}, which exists (it can be published and shows in the catalogue) but is not
 * currently supported for subscription.
 *
 * <p>Constants only; thread-safe.
 */
public final class UserEvents {
  /** A user was created. */
  public static final EventType CREATED = EventType.of("user.created", "User created");

  /** A user's profile was updated; {@link Event#changedAttributes()} says what changed. */
  public static final EventType UPDATED = EventType.of("user.updated", "User updated");

  /** A user was deleted. */
  public static final EventType DELETED = EventType.of("user.deleted", "User deleted");

  /** A user was given access to an application. */
  public static final EventType ADDED_TO_APP =
      EventType.of("user.added_to_app", "User added to application");

  /** A user's access to an application was removed. */
  public static final EventType REMOVED_FROM_APP =
      EventType.of("user.removed_from_app", "User removed from application");

  /** A user logged in. */
  public static final EventType LOGGED_IN = EventType.of("user.logged_in", "User logged in");

  /** A user logged out. */
  public static final EventType LOGGED_OUT = EventType.of("user.logged_out", "User logged out");

  /** A user was suspended. */
  public static final EventType SUSPENDED = EventType.of("user.suspended", "User suspended");

  /** A suspended user was reinstated. */
  public static final EventType UNSUSPENDED = EventType.of("user.unsuspended", "User unsuspended");

  /** A user's password was locked after too many failed attempts. */
  public static final EventType PASSWORD_LOCKED =
      EventType.of("user.password_locked", "User password locked");

  /** A user logged in through an orchestrated (multi-step or federated) flow. */
  public static final EventType ORCHESTRATED_LOGIN =
      EventType.of("user.orchestrated_login", "User orchestrated login");

  /** A user failed a one-time-password attempt. */
  public static final EventType OTP_FAILED =
      EventType.of("user.otp_failed", "User failed OTP attempt");

  /** A user asked for their account to be deleted. Not currently supported for subscription. */
  public static final EventType DELETION_REQUESTED =
      EventType.unsupported("user.deletion_requested", "User deletion requested");

  /** The twelve subscribable user events, in catalogue order. */
  public static final List<EventType> SUBSCRIBABLE =
      List.of(
          CREATED,
          UPDATED,
          DELETED,
          ADDED_TO_APP,
          REMOVED_FROM_APP,
          LOGGED_IN,
          LOGGED_OUT,
          SUSPENDED,
          UNSUSPENDED,
          PASSWORD_LOCKED,
          ORCHESTRATED_LOGIN,
          OTP_FAILED);

  /** Every user event, the subscribable ones followed by {@link #DELETION_REQUESTED}. */
  public static final List<EventType> ALL = withDeletionRequested();

  private static List<EventType> withDeletionRequested() {
    List<EventType> all = new ArrayList<>(SUBSCRIBABLE);
    all.add(DELETION_REQUESTED);
    return List.copyOf(all);
  }

  private UserEvents() {}
}
