package dev.hookline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EventTest {
  private static final Instant AT = Instant.parse("2026-11-22T10:15:30.123Z");

  @Test
  void generatedIdsAreUrlSafeAndUnique() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      Event e = Event.builder(UserEvents.CREATED).user("u1").occurredAt(AT).build();
      assertTrue(e.id().matches("evt_[A-Za-z0-9_-]{22}"), e.id());
      ids.add(e.id());
    }
    assertEquals(10_000, ids.size());
  }

  @Test
  void dataIsCopiedOnBuild() {
    ObjectNode data = JsonNodeFactory.instance.objectNode().put("email", "a@example.com");
    Event e =
        Event.builder(UserEvents.UPDATED)
            .user("u1")
            .occurredAt(AT)
            .data(data)
            .changed("email")
            .build();
    data.put("email", "changed@example.com");
    assertEquals("a@example.com", e.data().get("email").asText());
    assertEquals(Set.of("email"), e.changedAttributes());
  }

  @Test
  void toBuilderKeepsTheIdSoRetriesCarryTheSameEvent() {
    Event e = Event.builder(UserEvents.CREATED).user("u1").occurredAt(AT).build();
    Event copy = e.toBuilder().build();
    assertEquals(e, copy);
    assertEquals(e.id(), copy.id());
  }

  @Test
  void anOverlongSubjectIdSaysHowLongItIs() {
    EventValidationException e =
        assertThrows(
            EventValidationException.class,
            () -> Event.builder(UserEvents.CREATED).user("u".repeat(300)).occurredAt(AT).build());
    assertEquals(1, e.violations().size(), e.getMessage());
    assertEquals("subject.user_id", e.violations().get(0).field());
    assertEquals("is 300 characters long", e.violations().get(0).problem());
  }

  @Test
  void missingFieldsAreAllReported() {
    EventValidationException e =
        assertThrows(
            EventValidationException.class,
            () -> Event.builder(UserEvents.CREATED).id("bad id!").build());
    assertEquals(
        List.of("id", "occurredAt", "subject"),
        e.violations().stream().map(Violation::field).toList());
  }

  @Test
  void blankSubjectPartsAreRefused() {
    EventValidationException e =
        assertThrows(
            EventValidationException.class,
            () ->
                Event.builder(UserEvents.CREATED)
                    .subject(Subject.user(" ").withApp("").withTenant(""))
                    .occurredAt(AT)
                    .build());
    assertEquals(
        List.of("subject.user_id", "subject.app_id", "subject.tenant"),
        e.violations().stream().map(Violation::field).toList());
  }

  @Test
  void dataMustBeAnObject() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Event.builder(UserEvents.CREATED).data(JsonNodeFactory.instance.arrayNode()));
  }

  @Test
  void malformedChangedAttributeIsRefused() {
    EventValidationException e =
        assertThrows(
            EventValidationException.class,
            () ->
                Event.builder(UserEvents.UPDATED)
                    .user("u")
                    .occurredAt(AT)
                    .changed("e mail")
                    .build());
    assertEquals("changedAttributes", e.violations().get(0).field());
  }

  @Test
  void eventsWithDifferentIdsDiffer() {
    Event a = Event.builder(UserEvents.CREATED).user("u1").occurredAt(AT).build();
    Event b = Event.builder(UserEvents.CREATED).user("u1").occurredAt(AT).build();
    assertNotEquals(a, b);
  }
}
