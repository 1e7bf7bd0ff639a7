package dev.hookline.receiver.internal;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Tells the forbiddenapis check that a use it flags is deliberate; every use says why. Read by the
 * build only.
 */
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.FIELD})
public @interface SuppressForbidden {
  /**
   * Why the flagged use is right here.
   *
   * @return the reason
   */
  String reason();
}
