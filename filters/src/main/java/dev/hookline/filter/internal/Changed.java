package dev.hookline.filter.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** {@code changed("email", "password")}: any of the attributes is in the event's changed set. */
public final class Changed extends Node {
  private static final Pattern ATTRIBUTE = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

  private final List<String> attributes;

  private Changed(List<String> attributes) {
    this.attributes = attributes;
  }

  /** Builds the condition; attributes are sorted and de-duplicated. */
  public static Changed of(Collection<String> attributes) {
    if (attributes.isEmpty()) {
      throw Problem.of("changed(...) needs at least one attribute name");
    }
    Set<String> sorted = new TreeSet<>();
    for (String a : attributes) {
      if (!ATTRIBUTE.matcher(a).matches()) {
        throw Problem.of(
            "attribute name "
                + Problem.quote(a)
                + " is malformed; expected 1 to 100 characters A-Z a-z 0-9 _ . -");
      }
      sorted.add(a);
    }
    if (sorted.size() > Limits.MAX_LIST_SIZE) {
      throw Problem.of(
          "changed(...) lists "
              + sorted.size()
              + " attributes; at most "
              + Limits.MAX_LIST_SIZE
              + " allowed");
    }
    return new Changed(List.copyOf(sorted));
  }

  public List<String> attributes() {
    return attributes;
  }

  @Override
  public boolean test(Event event) {
    Set<String> changed = event.changedAttributes();
    if (changed.isEmpty()) {
      return false;
    }
    for (String a : attributes) {
      if (changed.contains(a)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int depth() {
    return 1;
  }

  @Override
  int precedence() {
    return PREC_ATOM;
  }

  @Override
  void print(StringBuilder b) {
    b.append("changed(");
    for (int i = 0; i < attributes.size(); i++) {
      if (i > 0) {
        b.append(", ");
      }
      Literal.quoteTo(b, attributes.get(i));
    }
    b.append(')');
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ArrayNode a = o.putArray("$changed");
    attributes.forEach(a::add);
    return o;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Changed c && attributes.equals(c.attributes);
  }

  @Override
  public int hashCode() {
    return attributes.hashCode();
  }
}
