package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * {@code Subject.withApp(null)} and {@code withTenant(null)} failed in {@code Optional.of} with a
 * {@code NullPointerException} that said nothing, where the constructor names each component.
 */
class SubjectNullArgumentsReviewTest {
  @Test
  void theCopiesNameTheNullArgument() {
    Subject s = Subject.user("usr_1");
    assertEquals(
        "appId", assertThrows(NullPointerException.class, () -> s.withApp(null)).getMessage());
    assertEquals(
        "tenant", assertThrows(NullPointerException.class, () -> s.withTenant(null)).getMessage());
  }
}
