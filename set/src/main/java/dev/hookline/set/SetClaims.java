package dev.hookline.set;

/**
 * The shape of a Security Event Token's claims, chosen with {@link
 * SecurityEventTokenFormat.Builder#claims}. Both are RFC 8417 SETs with {@code iss}, {@code iat},
 * {@code jti}, {@code aud} and {@code toe} alike ({@code jti} a UUID per event and webhook, the
 * same on every retry); they differ in {@code txn} and the one member of {@code events}.
 *
 * <p>Immutable and thread-safe.
 */
public enum SetClaims {
  /**
   * Hookline's own shape, the default: {@code txn} is the event id, the same in every webhook's
   * notification of the event, and the member of {@code events} is the event type's URI mapped to
   * {@code {"subject":{"user_id","app_id"?,"tenant"?},"changed":[...]?,"data":{...}}}.
   */
  HOOKLINE,

  /**
   * The shape of Akamai Identity Cloud Webhooks v3, for listeners written for it. The member of
   * {@code events} is {@code entityCreated}, {@code entityUpdated} or {@code entityDeleted} for
   * {@code user.created}, {@code user.updated} and {@code user.deleted}, and {@code test} for
   * {@code webhook.test}; any other type keeps its Hookline URI, an event an Akamai listener does
   * not know. Its value is {@code {"attributes":[...],"captureApplicationId"?,"entityType":"user",
   * "sub","id"}}: {@code attributes} the changed attributes (always on {@code entityUpdated}),
   * {@code captureApplicationId} the subject's app, {@code sub} its user id, {@code id} the event
   * id; {@code test} carries {@code id} alone. Akamai's {@code captureClientId} and {@code
   * globalSub} have no Hookline counterpart and are left out, and so are the subject's tenant and
   * the event's data: Akamai's notifications carry no profile data (the listener reads the profile
   * itself), so data sent here would reach code that does not expect it.
   *
   * <p>{@code jti} identifies the notification, as Akamai's does: a UUID derived from the event id
   * and the webhook id, unique per webhook and the same on every retry. {@code txn} is a UUID
   * derived from the event id alone, the same in every webhook's notification of one event, which
   * is what RFC 8417 section 2.2 means by a transaction identifier.
   */
  AKAMAI_IDENTITY_CLOUD
}
