package dev.baton.expr;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.ListType;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The CEL function {@code dates(from, to)}: every day from one ISO date to another, both included,
 * as strings 'YYYY-MM-DD'; {@code dates(from, to, n)} takes every n-th day. Made for backfills: a
 * foreach over {@code dates(params.from, params.to)} runs once per day.
 *
 * <p>There is deliberately no {@code today()} or {@code now()}: a loop's items are computed again
 * after an operator restart, and must come out the same, so every function here is pure. A run that
 * needs today's date takes it as a param.
 */
final class Dates {
  /** As many as a comprehension may take (see {@link Expressions}); about 270 years of days. */
  static final int MAX_DATES = 100_000;

  private static final Pattern ISO_DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

  static final CelFunctionDecl DECLARATION =
      CelFunctionDecl.newFunctionDeclaration(
          "dates",
          CelOverloadDecl.newGlobalOverload(
              "dates_string_string",
              "the days from the first ISO date to the second, both included",
              ListType.create(SimpleType.STRING),
              SimpleType.STRING,
              SimpleType.STRING),
          CelOverloadDecl.newGlobalOverload(
              "dates_string_string_int",
              "every n-th day from the first ISO date up to the second",
              ListType.create(SimpleType.STRING),
              SimpleType.STRING,
              SimpleType.STRING,
              SimpleType.INT));

  static final List<CelFunctionBinding> BINDINGS =
      List.of(
          CelFunctionBinding.from(
              "dates_string_string",
              String.class,
              String.class,
              (from, to) -> between(from, to, 1)),
          CelFunctionBinding.from(
              "dates_string_string_int",
              List.of(String.class, String.class, Long.class),
              args -> between((String) args[0], (String) args[1], (Long) args[2])));

  private Dates() {}

  static List<String> between(String from, String to, long step) throws CelEvaluationException {
    LocalDate start = parse(from);
    LocalDate end = parse(to);
    if (step < 1) {
      throw new CelEvaluationException("dates: the step must be at least 1 day, not " + step);
    }
    if (end.isBefore(start)) {
      throw new CelEvaluationException("dates: " + to + " is before " + from);
    }
    long count = ChronoUnit.DAYS.between(start, end) / step + 1;
    if (count > MAX_DATES) {
      throw new CelEvaluationException(
          "dates: "
              + from
              + " to "
              + to
              + " is "
              + count
              + " dates, over the limit of "
              + MAX_DATES);
    }
    List<String> days = new ArrayList<>((int) count);
    for (long k = 0; k < count; k++) days.add(start.plusDays(k * step).toString());
    return days;
  }

  private static LocalDate parse(String text) throws CelEvaluationException {
    // LocalDate.parse alone would also take a signed year such as +12024-01-01.
    if (ISO_DATE.matcher(text).matches()) {
      try {
        return LocalDate.parse(text);
      } catch (DateTimeParseException e) {
        // Falls through: a date shaped right that does not exist, such as 2024-02-30.
      }
    }
    throw new CelEvaluationException("dates: '" + text + "' is not a date 'YYYY-MM-DD'");
  }
}
