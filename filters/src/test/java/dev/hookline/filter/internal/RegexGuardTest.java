package dev.hookline.filter.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.InvalidFilterException;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RegexGuardTest {
  private static final String EVIL_INPUT = "a".repeat(40) + "!";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "(a+)+$",
        "(a*)*",
        "(a|b+)*",
        "((ab)*c)+",
        "(x{2,})+",
        "(?:a+)+",
        "(a+){2,}",
        "^(\\d+\\s?)+$",
        "(.*a){12}",
        "([a-z]+)*@"
      })
  void rejectsNestedQuantifiers(String regex) {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> RegexGuard.compile(regex));
    assertTrue(e.problem().contains("a quantified group contains another quantifier"), e.problem());
  }

  @ParameterizedTest
  @ValueSource(strings = {"(a)\\1", "(?<n>a)\\k<n>"})
  void rejectsBackReferences(String regex) {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> RegexGuard.compile(regex));
    assertTrue(e.problem().contains("back-references are not allowed"), e.problem());
  }

  /**
   * Repeating what reads no character never touches the match-time budget (it counts reads): {@code
   * (?=){2147483647}(?!)} looped two billion times per start position.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "(?=){2147483647}(?!)",
        "(?=a){5}",
        "(?!b)*x",
        "(?<=a)+",
        "(?<!a){2,}",
        "(){100}",
        "(?:)+",
        "(?:^)*a",
        "\\b{3}",
        "^+a",
        "(?:$|\\b)*",
        "(?i){9}",
        // the engine applies a counted quantifier that follows nothing to an empty atom
        "{5}",
        "a|{5}",
        "a{2}{3}",
        "\\b{g}{1000}"
      })
  void rejectsRepeatingWhatReadsNothing(String regex) {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> RegexGuard.compile(regex));
    assertTrue(e.problem().contains("matches no character"), e.problem());
  }

  /**
   * Backtracking that reads no character is not bounded by the budget, which counts reads. Each of
   * these is a choice between two ways to match nothing, so where what follows fails without
   * reading, the engine tried 2^k ways for k of them, at every start position. All were accepted,
   * and each hung {@code Filter.test}: 28 {@code (|)} took 5 s on "", 80 ran for ever.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "(|)",
        "(^|$)",
        "(?:a|\\b|$)",
        "(?:(?=a)|(?=b))a",
        // a look-around's content is refused like any other
        "(?=(|)(|)(|)(?!))",
        "(?!(?:|)x)",
        // an atomic group commits only to its last part, and a look-behind to nothing
        "(?>(?:|)(?:|)(?!))",
        "(?<=(?:|))"
      })
  void refusesAnAlternationWithTwoWaysToMatchNothing(String regex) {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> RegexGuard.compile(regex));
    assertTrue(
        e.problem().contains("two or more alternatives can match without reading a character"),
        e.problem());
    assertTrue(e.problem().contains("make the choice atomic: (?>a?|b?)"), e.problem());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "(a|)?",
        "(a*)??",
        "\\b?",
        "(?=a)?",
        "(?:a|b?)?",
        "(?:a|)*",
        "(?:a|\\b)+x",
        "(?:(?=a)|b){0,1}",
        // an atomic group commits only to its last part
        "(?>(a*)?x)"
      })
  void refusesANonPossessiveQuantifierOnWhatCanMatchNothing(String regex) {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> RegexGuard.compile(regex));
    assertTrue(
        e.problem().contains("a quantifier applies to something that can already match without"),
        e.problem());
    assertTrue(e.problem().contains("make it possessive: (a*)?+"), e.problem());
  }

  /**
   * The reviewer's patterns, each repeated then made to fail: they ran for seconds, or for ever.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "(|); 28; two or more alternatives",
        "(|); 80; two or more alternatives",
        "$?; 29; a quantifier applies",
        "(a*)?; 30; a quantifier applies",
        "(a?|b?); 24; two or more alternatives",
        "(?:(?=)|\\G); 20; two or more alternatives"
      })
  void refusesTheReviewersPatternsThroughTheFilterApi(String unit, int times, String why) {
    String regex = unit.repeat(times) + "(?!)";
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class,
            () -> dev.hookline.filter.Filters.field("data.name").matches(regex));
    assertTrue(e.problem().contains(why), e.problem());
  }

  /**
   * A possessive quantifier runs its atom that many times before it checks for an empty match:
   * fourteen {@code (?:(?=)|a){1000}+} took 0.7 s on 4,096 characters without reading them.
   */
  @ParameterizedTest
  @ValueSource(strings = {"(?:(?=)|a){1000}+(?!)", "(?:a|){3}", "(?:\\b|x){2,}+", "(?:a|$){2}+"})
  void refusesACountOfTwoOrMoreOnWhatCanMatchNothing(String regex) {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> RegexGuard.compile(regex));
    assertTrue(e.problem().contains("a count of two or more applies to something"), e.problem());
  }

  /**
   * The engine tries a look-behind from every start its length allows, and a start where it fails
   * at once reads nothing: ten {@code (?<!(?!).{0,1000})} took 0.3 s on 4,096 characters, and one
   * nested in another ran for ever. Each one's contents now count once per start toward the length
   * limit.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "(?<!(?!).{0,1000})(?!)",
        "(?<=a*)b",
        "(?<=a+)b",
        "(?<=\\X)b",
        "(?<=ab|c{0,100})",
        "(?<!(?<!(?!).{0,8})(?!).{0,8})(?!)",
        "(?<!(?!).{0,8})(?<!(?!).{0,8})(?<!(?!).{0,8})(?!)"
      })
  void refusesLookBehindsThatTryTooManyStarts(String regex) {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> RegexGuard.compile(regex));
    assertTrue(e.problem().contains("its look-behinds make it count as"), e.problem());
    assertTrue(e.problem().contains("above the limit of 256"), e.problem());
  }

  @Test
  void aLookBehindCountsOncePerStart() {
    // 15 characters, and 10 more for each of the 8 further starts: two fit, three do not
    RegexGuard.compile("(?<!(?!).{0,8})".repeat(2) + "(?!)");
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class,
            () -> RegexGuard.compile("(?<!(?!).{0,8})".repeat(3) + "(?!)"));
    assertTrue(e.problem().contains("count as 289 characters"), e.problem());
  }

  /**
   * The first way an atomic group, a possessive quantifier or a look-ahead matches is final, so a
   * choice that ends one of them is never tried twice; these stay fast.
   */
  @Test
  void atomicAndPossessiveChoicesStayAllowedAndFast() {
    Pattern atomic = RegexGuard.compile("(?>|)".repeat(20) + "(?!)");
    Pattern possessive = RegexGuard.compile("(a*)?+".repeat(30) + "(?!)");
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          for (String input : new String[] {"", "x", "x".repeat(4096), "a".repeat(4096)}) {
            assertEquals(RegexGuard.Outcome.NO_MATCH, RegexGuard.match(atomic, input, 100_000));
            assertTrue(RegexGuard.match(possessive, input, 100_000) != RegexGuard.Outcome.MATCH);
          }
        });
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "(a|)",
        "(|a)",
        "(a|(?:b|))",
        "a?",
        "^foo$",
        "(\\d{3})?-?\\d+",
        "(?i)abc",
        "colou?r",
        "(foo|bar)?baz",
        "\\b(cat|dog)\\b",
        "^[\\w.+-]+@[\\w-]+\\.[\\w.-]+$",
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        "(https?://)?example\\.com",
        "^\\s*(?:#|$)",
        "^v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?(?:-([\\w.]+))?$",
        "(?<=^|\\s)#\\w+",
        "(?<!\\d)\\d{3}(?!\\d)",
        "(?<=a{0,8})b",
        "(?<=(?<=a)b)c",
        "(?<=\\b(?:Mr|Mrs|Dr)\\.\\s?)[A-Z]",
        "(?>a?|b?)",
        "(?>(a*)?)",
        "(?=(|))",
        "(?:|)?+",
        "$?+",
        "(?:a|){0,5}+",
        "(?:a|)++"
      })
  void acceptsOrdinaryPatternsAndChoicesThatAreFinal(String regex) {
    dev.hookline.filter.Filters.field("data.name").matches(regex);
    assertEquals(regex, RegexGuard.compile(regex).pattern());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a{5000}", "a{1,1001}", "[ab]{2147483647}", "(?:ab){1001,}"})
  void rejectsRepetitionCountsAboveTheLimit(String regex) {
    InvalidFilterException e =
        assertThrows(InvalidFilterException.class, () -> RegexGuard.compile(regex));
    assertTrue(e.problem().contains("a repetition count is above 1000"), e.problem());
  }

  @Test
  void theShapeFromTheReviewIsRefusedThroughTheFilterLanguage() {
    assertThrows(
        InvalidFilterException.class,
        () ->
            dev.hookline.filter.Filters.parse("subject.user_id matches \"(?=){2147483647}(?!)\""));
  }

  /**
   * In comments mode the engine skips spaces and {@code #...} to the end of the line, which the
   * check read as characters: each of these was accepted and then ran for seconds, or forever, in
   * {@code Filter.test}. The flag is refused wherever it is set, and so is {@code c}.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "(?x)#[\n((?=){2147483647}){2147483647}",
        "(?x)#[\n(?=){2147483647}",
        "(?x)(((?=) {1000}) {1000}) {1000}",
        "(?x)(a+) +",
        "(?x:a b)",
        "a(?ix)b",
        "(?i-x)a",
        "(?x-i)a"
      })
  void refusesTheCommentsFlagThroughTheFilterApi(String regex) {
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class,
            () -> dev.hookline.filter.Filters.field("data.name").matches(regex));
    assertTrue(e.problem().contains("the inline flag x (comments"), e.problem());
    assertTrue(e.problem().contains("Allowed inline flags: i, d, m, s, u, U"), e.problem());
  }

  @ParameterizedTest
  @ValueSource(strings = {"(?c)a\u030a", "(?ic:a)"})
  void refusesCanonicalEquivalence(String regex) {
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class,
            () -> dev.hookline.filter.Filters.field("data.name").matches(regex));
    assertTrue(e.problem().contains("the inline flag c (canonical equivalence)"), e.problem());
  }

  /**
   * The check must see classes, quotes and escapes where the engine does. It did not for these, and
   * skipped the repeated look-ahead as part of a character class: {@code \Q...\E} is expanded
   * before the class is parsed ({@code [\Q[\E]} is the class {@code [\[]}), and {@code \cX} takes
   * any character as X ({@code \c[} is ESC, not a class).
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "[\\Q[\\E](?=){2147483647}]",
        "[\\Q[\\E]((?=){1000}){1000}]",
        "[\\c[](?=){2147483647}]",
        "\\c[(?=){2147483647}]",
        "[\\x01-\\c[](?=){2147483647}]"
      })
  void readsQuotesAndControlEscapesAsTheEngineDoes(String regex) {
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class,
            () -> dev.hookline.filter.Filters.field("data.name").matches(regex));
    assertTrue(e.problem().contains("is not allowed"), e.problem());
  }

  /** The check took the {@code (?<n} after {@code \c} for a named group and looped for ever. */
  @Test
  void aControlEscapeBeforeWhatLooksLikeANamedGroupCompiles() {
    Pattern p =
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> RegexGuard.compile("\\c(?<n"));
    assertTrue(p.matcher("h<n").find(), "\\c( is 'h'"); // '(' ^ 64
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "(?i)admin",
        "(?i:abc)d",
        "(?m)^x$",
        "(?s)a.+b",
        "(?U)\\w+",
        "(?iu)stra\u00dfe",
        "(?d)^a$",
        "(?-i)a",
        "(?is-m:a.b)",
        "\\Qa.b*\\E+",
        "[\\Q]\\E]+",
        "[\\Q\\E]]+",
        "[[^]a]]+",
        "[a-z&&[^aeiou]]+",
        "\\cM\\cJ",
        "[\\c[]+",
        "\\x{41}+\\N{LATIN SMALL LETTER A}?",
        "\\p{IsLatin}+\\pL*",
        "a #b",
        "a\\b{g}b",
        "x{2}?y{3}+"
      })
  void acceptsOrdinaryPatternsWithFlagsQuotesAndClasses(String regex) {
    dev.hookline.filter.Filters.field("data.name").matches(regex);
    assertEquals(regex, RegexGuard.compile(regex).pattern());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "^[a-z]+@example\\.com$",
        "(ab)+",
        "(a+)?",
        "[(+*]+",
        "\\Q(a+)+\\E",
        "a{2,3}",
        "(?i)admin",
        "\\p{L}+",
        "(a|b)*c",
        "(?<user>[a-z]+)_\\d{4}",
        "a\\{b",
        ".*.*.*.*=",
        "a{1000}",
        "(?=a)b",
        "(?!x)[a-z]+",
        "(?:^|,)a",
        "(a|)",
        "(?:a|(?=b))c",
        "\\bword\\b",
        "(?:\\s*,\\s*)?x{0,3}"
      })
  void acceptsOrdinaryPatterns(String regex) {
    assertEquals(regex, RegexGuard.compile(regex).pattern());
  }

  @Test
  void knownRedosPatternIsRejectedAtCompileTime() {
    InvalidFilterException e =
        assertThrows(
            InvalidFilterException.class,
            () -> dev.hookline.filter.Filters.parse("data.name matches \"(a+)+$\""));
    assertEquals(1, e.line());
    assertEquals(11, e.column());
  }

  @Test
  void knownRedosPatternOnLongInputIsRejectedAndWouldBeBoundedAnyway() {
    assertThrows(InvalidFilterException.class, () -> RegexGuard.compile("(a+)+$"));
    // Bypassing the compile-time check shows the second defence on its own. JDK 17 memoises
    // (a+)+$, but (.*a){25} still backtracks exponentially: about 6 million reads at 20
    // characters, and it doubles with each one.
    Pattern evil = Pattern.compile("(.*a){25}");
    assertEquals(
        RegexGuard.Outcome.GAVE_UP,
        RegexGuard.match(evil, "a".repeat(24), Limits.REGEX_WORK_BUDGET));
    assertEquals(
        RegexGuard.Outcome.MATCH, RegexGuard.match(evil, "a".repeat(25), Integer.MAX_VALUE));
    assertEquals(RegexGuard.Outcome.NO_MATCH, RegexGuard.match(evil, "aaaa", Integer.MAX_VALUE));
  }

  @Test
  void acceptedPolynomialPatternIsBoundedOnLongInput() {
    // passes the static check, but takes O(n^4) steps without an '=': ~10^13 at 4,000 characters
    Pattern p = RegexGuard.compile(".*.*.*.*=");
    assertEquals(
        RegexGuard.Outcome.GAVE_UP,
        RegexGuard.match(p, EVIL_INPUT.repeat(100), Limits.REGEX_WORK_BUDGET));
    assertEquals(RegexGuard.Outcome.MATCH, RegexGuard.match(p, "a=", Limits.REGEX_WORK_BUDGET));
    assertEquals(false, RegexGuard.find(p, EVIL_INPUT.repeat(100)));
  }

  @Test
  void deepRecursionOnLongInputGivesUpInsteadOfOverflowing() {
    Pattern p = RegexGuard.compile("(a|aa)*c");
    assertEquals(
        RegexGuard.Outcome.GAVE_UP, RegexGuard.match(p, "a".repeat(4000), Integer.MAX_VALUE));
    assertEquals(RegexGuard.Outcome.MATCH, RegexGuard.match(p, "aaac", Integer.MAX_VALUE));
  }

  /** JDK 17 throws StringIndexOutOfBoundsException from Matcher.find here; Filter.test must not. */
  @Test
  void aMatchTheEngineFailsOnGivesUp() {
    Pattern p = RegexGuard.compile("\\b{g}a*+\\G");
    assertEquals(RegexGuard.Outcome.GAVE_UP, RegexGuard.match(p, "aa", Integer.MAX_VALUE));
    assertEquals(RegexGuard.Outcome.MATCH, RegexGuard.match(p, "", Integer.MAX_VALUE));
    dev.hookline.filter.Filter f =
        dev.hookline.filter.Filters.field("data.name").matches(p.pattern());
    assertEquals(false, f.test(event("aa")));
  }

  @Test
  void longInputIsNotSearched() {
    Pattern p = RegexGuard.compile("x");
    assertEquals(
        RegexGuard.Outcome.GAVE_UP,
        RegexGuard.match(p, "x".repeat(Limits.MAX_REGEX_INPUT + 1), Integer.MAX_VALUE));
    assertEquals(
        RegexGuard.Outcome.MATCH,
        RegexGuard.match(p, "x".repeat(Limits.MAX_REGEX_INPUT), Integer.MAX_VALUE));
  }

  @Test
  void filterWithBoundedRegexAnswersNoMatch() {
    dev.hookline.filter.Filter f =
        dev.hookline.filter.Filters.field("data.name").matches("(a|aa)*c");
    assertEquals(false, f.test(event("a".repeat(3000))));
  }

  private static dev.hookline.Event event(String name) {
    return dev.hookline.Event.builder(dev.hookline.UserEvents.CREATED)
        .id("evt_1")
        .occurredAt(java.time.Instant.EPOCH)
        .user("u")
        .data(
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode()
                .put("name", name))
        .build();
  }
}
