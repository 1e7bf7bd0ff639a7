package dev.hookline.filter;

import static dev.hookline.filter.Fixtures.CREATED;
import static dev.hookline.filter.Fixtures.LOGGED_IN;
import static dev.hookline.filter.Fixtures.UPDATED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.InvalidFilterException;
import dev.hookline.Subject;
import dev.hookline.UserEvents;
import dev.hookline.spi.CompiledFilter;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CompilerTest {
  private final dev.hookline.spi.FilterCompiler compiler = Filters.compiler();

  @Test
  void compilesToPredicateWithCanonicalText() {
    CompiledFilter f =
        compiler.compile(
            "type ==   \"user.updated\"\nand changed(\"password\",\"email\")", Set.of(UPDATED));

    assertEquals(
        "type == \"user.updated\" and changed(\"email\", \"password\")", f.canonicalText());
    assertTrue(f.test(Fixtures.event(UPDATED, Subject.user("u"), "{}", "email")));
    assertFalse(f.test(Fixtures.event(UPDATED, Subject.user("u"), "{}", "name")));
    assertEquals(f, compiler.compile(f.canonicalText(), Set.of(UPDATED)));
  }

  @Test
  void rejectsTypeOutsideSubscription() {
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class,
            () -> compiler.compile("type == \"user.logged_in\"", Set.of(CREATED, UPDATED)));

    assertEquals(1, e.line());
    assertEquals(9, e.column());
    assertEquals(
        "filter names event type \"user.logged_in\", which is not one of the webhook's subscribed"
            + " event types (user.created, user.updated); subscribe to it or remove it from the"
            + " filter",
        e.problem());
  }

  @Test
  void wildcardMustCoverASubscribedType() {
    assertEquals(
        "type == \"user.*\"",
        compiler.compile("type == \"user.*\"", Set.of(LOGGED_IN)).canonicalText());
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class,
            () -> compiler.compile("type in (\"user.created\", \"invoice.*\")", Set.of(CREATED)));
    assertEquals(26, e.column());
    assertTrue(e.problem().startsWith("type wildcard \"invoice.*\" matches none of"), e.problem());
  }

  @Test
  void notTypeOfSubscribedTypeIsAccepted() {
    CompiledFilter f =
        compiler.compile(
            "type == \"user.*\" and not type == \"user.logged_in\"",
            Set.copyOf(UserEvents.SUBSCRIBABLE));
    assertTrue(f.test(Fixtures.event(CREATED)));
    assertFalse(f.test(Fixtures.event(LOGGED_IN)));
  }
}
