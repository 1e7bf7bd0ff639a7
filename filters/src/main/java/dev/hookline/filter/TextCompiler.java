package dev.hookline.filter;

import dev.hookline.EventType;
import dev.hookline.InvalidFilterException;
import dev.hookline.filter.internal.Compare;
import dev.hookline.filter.internal.Parser;
import dev.hookline.spi.FilterCompiler;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/** The text-syntax {@link FilterCompiler}. Thread-safe (stateless). */
final class TextCompiler implements FilterCompiler {
  static final TextCompiler INSTANCE = new TextCompiler();

  private TextCompiler() {}

  @Override
  public Filter compile(String text, Set<EventType> subscribedTypes) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(subscribedTypes, "subscribedTypes");
    Parser.Result result = Parser.parse(text);
    for (Parser.TypeRef ref : result.typeRefs()) {
      boolean covered = false;
      for (EventType t : subscribedTypes) {
        covered |= Compare.typePatternMatches(ref.pattern(), t.wireName());
      }
      if (!covered) {
        Set<String> names = new TreeSet<>();
        subscribedTypes.forEach(t -> names.add(t.wireName()));
        throw new InvalidFilterException(
            (ref.pattern().endsWith(".*")
                    ? "type wildcard \"" + ref.pattern() + "\" matches none of"
                    : "filter names event type \"" + ref.pattern() + "\", which is not one of")
                + " the webhook's subscribed event types ("
                + String.join(", ", names)
                + "); subscribe to it or remove it from the filter",
            ref.line(),
            ref.column());
      }
    }
    return new Filter(result.node());
  }

  @Override
  public String toString() {
    return "Filters.compiler()";
  }
}
