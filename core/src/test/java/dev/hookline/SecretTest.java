package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SecretTest {
  @Test
  void toStringIsRedacted() {
    assertEquals("Secret[redacted]", Secret.of("hunter2-hunter2-hunter2").toString());
  }

  @Test
  void matchesAndEqualsCompareValues() {
    Secret s = Secret.of("abc");
    assertTrue(s.matches("abc"));
    assertFalse(s.matches("abd"));
    assertFalse(s.matches("ab"));
    assertEquals(Secret.of("abc"), s);
    assertNotEquals(Secret.of("abd"), s);
    assertEquals(
        Secret.of("x").hashCode(), Secret.of("y").hashCode(), "hash does not depend on the value");
  }
}
