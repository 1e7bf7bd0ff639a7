package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EventCatalogueTest {
  @Test
  void standardCatalogueHasTheTwelveSubscribableUserEvents() {
    List<String> names =
        EventCatalogue.standard().subscribable().stream().map(EventType::wireName).toList();
    assertEquals(
        List.of(
            "user.created",
            "user.updated",
            "user.deleted",
            "user.added_to_app",
            "user.removed_from_app",
            "user.logged_in",
            "user.logged_out",
            "user.suspended",
            "user.unsuspended",
            "user.password_locked",
            "user.orchestrated_login",
            "user.otp_failed"),
        names);
  }

  @Test
  void deletionRequestedExistsButIsNotSubscribable() {
    EventType t = EventCatalogue.standard().find("user.deletion_requested").orElseThrow();
    assertFalse(t.subscribable());
    assertEquals("User deletion requested", t.displayName());
  }

  @Test
  void applicationsRegisterTheirOwnTypes() {
    EventType paid = EventType.of("invoice.paid", "Invoice paid");
    EventCatalogue c = EventCatalogue.builder().add(paid).build();
    assertTrue(c.contains(paid));
    assertTrue(c.find("user.created").isPresent());
  }

  @Test
  void aWireNameCannotBeRegisteredTwiceWithAnotherMeaning() {
    EventCatalogue.Builder b = EventCatalogue.builder();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> b.add(EventType.of("user.created", "Something else")));
    assertTrue(e.getMessage().contains("user.created"));
  }

  @Test
  void malformedWireNamesAreRefused() {
    for (String bad :
        List.of("created", "User.Created", "user..created", "user.created.", "9user.x", "")) {
      assertThrows(IllegalArgumentException.class, () -> EventType.of(bad, "x"), bad);
    }
  }
}
