package dev.hookline.delivery.internal;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code Retry-After}: delay-seconds or an HTTP-date in any of the three forms RFC 9110
 * (section 5.6.7) has recipients accept: the preferred IMF-fixdate ({@code Sun, 06 Nov 1994
 * 08:49:37 GMT}), and the obsolete RFC 850 ({@code Sunday, 06-Nov-94 08:49:37 GMT}) and asctime
 * ({@code Sun Nov 6 08:49:37 1994}) forms. Stateless.
 */
public final class RetryAfter {
  private static final String MONTHS = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";

  /** RFC 850: {@code day-name-l "," SP 2DIGIT "-" month "-" 2DIGIT SP time-of-day SP GMT}. */
  private static final Pattern RFC_850 =
      Pattern.compile(
          "(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-"
              + MONTHS
              + "-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT",
          Pattern.CASE_INSENSITIVE);

  /** asctime: {@code day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP year}. */
  private static final Pattern ASCTIME =
      Pattern.compile(
          "(Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
              + MONTHS
              + " (\\d{2}| \\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})",
          Pattern.CASE_INSENSITIVE);

  private RetryAfter() {}

  /**
   * Returns the delay a {@code Retry-After} value asks for.
   *
   * @param value the header value
   * @param now the current time, for an HTTP-date
   * @return the delay (zero for a date in the past), or empty if the value is malformed
   */
  public static Optional<Duration> parse(String value, Instant now) {
    String v = value.trim();
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      if (v.length() > 9) {
        return Optional.of(Duration.ofSeconds(999_999_999L));
      }
      return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
    }
    return date(v, now)
        .map(
            at -> {
              Duration d = Duration.between(now, at);
              return d.isNegative() ? Duration.ZERO : d;
            });
  }

  private static Optional<Instant> date(String v, Instant now) {
    try {
      Matcher m = RFC_850.matcher(v);
      if (m.matches()) {
        LocalDateTime t = rfc850(m, now);
        return weekdayMatches(t, m.group(1), TextStyle.FULL) ? at(t) : Optional.empty();
      }
      m = ASCTIME.matcher(v);
      if (m.matches()) {
        LocalDateTime t =
            LocalDateTime.of(
                Integer.parseInt(m.group(7)),
                month(m.group(2)),
                Integer.parseInt(m.group(3).trim()),
                Integer.parseInt(m.group(4)),
                Integer.parseInt(m.group(5)),
                Integer.parseInt(m.group(6)));
        return weekdayMatches(t, m.group(1), TextStyle.SHORT) ? at(t) : Optional.empty();
      }
      return Optional.of(ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    } catch (DateTimeException e) { // a field out of range: February 30th, hour 25
      return Optional.empty();
    }
  }

  /**
   * RFC 850's two-digit year: RFC 9110 has a year that seems more than 50 years in the future read
   * as the most recent past year with the same last two digits.
   */
  private static LocalDateTime rfc850(Matcher m, Instant now) {
    int nowYear = now.atOffset(ZoneOffset.UTC).getYear();
    int year = nowYear - Math.floorMod(nowYear, 100) + Integer.parseInt(m.group(4));
    LocalDateTime t =
        LocalDateTime.of(
            year,
            month(m.group(3)),
            Integer.parseInt(m.group(2)),
            Integer.parseInt(m.group(5)),
            Integer.parseInt(m.group(6)),
            Integer.parseInt(m.group(7)));
    if (t.isAfter(LocalDateTime.ofInstant(now, ZoneOffset.UTC).plusYears(50))) {
      t = t.minusYears(100);
    }
    return t;
  }

  private static int month(String name) {
    return MONTHS.toLowerCase(Locale.ROOT).indexOf(name.toLowerCase(Locale.ROOT)) / 4 + 1;
  }

  private static boolean weekdayMatches(LocalDateTime t, String name, TextStyle style) {
    DayOfWeek day = t.getDayOfWeek();
    return day.getDisplayName(style, Locale.ENGLISH).equalsIgnoreCase(name);
  }

  private static Optional<Instant> at(LocalDateTime t) {
    return Optional.of(t.toInstant(ZoneOffset.UTC));
  }
}
