package dev.baton.expr;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

/**
 * Compiles CEL. One shared instance; compiling is the costly part, so callers cache results.
 *
 * <h2>Limits</h2>
 *
 * Expressions are written by any user who may create a Workflow, and evaluated inside the operator,
 * which serves every tenant: an expression that ran the heap out would end the JVM, and the same
 * evaluation would run again after the restart. So every evaluation is bounded, and one that passes
 * a bound fails with an {@link ExpressionException} naming it (its step then fails, for good, and
 * nothing else does):
 *
 * <ul>
 *   <li>at most {@value #MAX_ITERATIONS} iterations of the list macros (all, exists, map, filter)
 *       in one evaluation, nested ones included;
 *   <li>no string (or bytes) longer than {@value #MAX_TEXT} characters and no list or map of more
 *       than {@value #MAX_ELEMENTS} elements, checked on every value as it is made;
 *   <li>a result of at most {@value #MAX_RESULT} characters as it would be rendered into text (a
 *       list holding one long param many times is small to hold, huge to render), and a {@link
 *       Template} that renders to at most {@value #MAX_TEXT};
 *   <li>a cost budget of {@value #MAX_COST}: one per node evaluated, plus one per element and per
 *       {@value Budget#CHARS_PER_UNIT} characters of each distinct value the evaluation sees.
 * </ul>
 *
 * <p>cel-java 0.14 has no runtime cost limit of its own (only the iteration limit, and cost
 * <em>estimates</em> at compile time, which cannot see how large params are). A time limit alone
 * would not do: a few string concatenations doubling a param reach gigabytes in milliseconds. So
 * the evaluation is {@linkplain CelRuntime.Program#trace traced}: CEL's interpreter reports the
 * value of every node right after making it, and {@link Budget} checks each one. A value can be at
 * most twice the size limit when it is checked (the concatenation of two values within it), and
 * since every value an evaluation holds was charged when it was made, the budget bounds the memory
 * of an evaluation to some tens of megabytes at worst, whatever the expression: charging sizes, not
 * just nodes, is what makes it a memory bound. The inputs are bounded too: params at 64 KiB (see
 * {@code ParamResolver}), and {@link Dates dates()} at {@value Dates#MAX_DATES} days.
 */
public final class Expressions {
  /** Bounds list macros such as all/exists/map, so that no expression runs away. */
  static final int MAX_ITERATIONS = 100_000;

  /** The longest string, in characters (or bytes), an evaluation may make: 1 MiB. */
  public static final int MAX_TEXT = 1 << 20;

  /**
   * The longest result an evaluation may give, as text (as JSON, for a list or map): 4 MiB. More
   * than {@link #MAX_TEXT}, for a foreach's items may be a list of up to {@link #MAX_ELEMENTS}
   * dates.
   */
  public static final int MAX_RESULT = 4 << 20;

  /** The most elements a list or map made by an evaluation may have. */
  public static final int MAX_ELEMENTS = 100_000;

  /** The cost budget of one evaluation: see {@link Budget}. */
  public static final long MAX_COST = 1_000_000;

  /**
   * Numbers from JSON (params, outputs) are int or double by their spelling alone, so 1 and 0.5
   * must compare with each other. CEL reserves some words it does not use, {@code loop} and {@code
   * while} among them; the check is off so that the loop variable can be called loop.
   */
  private static final CelOptions OPTIONS =
      CelOptions.current()
          .enableReservedIds(false)
          .comprehensionMaxIterations(MAX_ITERATIONS)
          .enableHeterogeneousNumericComparisons(true)
          .build();

  private static final CelCompiler CONDITIONS = compiler(SimpleType.BOOL);
  private static final CelCompiler VALUES = compiler(null);
  private static final CelCompiler LISTS = compiler(ListType.create(SimpleType.DYN));

  /** Standard CEL plus {@link Dates dates()}. No function may read the clock: see {@link Dates}. */
  private static final CelRuntime RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder()
          .setOptions(OPTIONS)
          .addFunctionBindings(Dates.BINDINGS)
          .build();

  private Expressions() {}

  /** A fresh budget, for one evaluation. */
  static Budget budget() {
    return new Budget(MAX_COST, MAX_TEXT, MAX_ELEMENTS);
  }

  private static CelCompiler compiler(CelType resultType) {
    var builder =
        CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(OPTIONS)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addFunctionDeclarations(Dates.DECLARATION)
            .addVar("params", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("steps", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("loop", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("last", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("signal", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("signals", MapType.create(SimpleType.STRING, SimpleType.DYN));
    if (resultType != null) {
      builder.setResultType(resultType);
    }
    return builder.build();
  }

  /**
   * Parses an expression without checking it, for a look at its shape (which names it reads).
   *
   * @throws ExpressionException when it does not parse
   */
  static CelAbstractSyntaxTree parse(String source) {
    try {
      return VALUES.parse(source).getAst();
    } catch (CelValidationException e) {
      throw new ExpressionException("invalid expression '" + source + "': " + e.getMessage(), e);
    }
  }

  /** Compiles a condition that must give true or false. */
  public static Expression condition(String source) {
    return compile(CONDITIONS, source);
  }

  /** Compiles an expression of any type, such as the inside of ${...}. */
  public static Expression value(String source) {
    return compile(VALUES, source);
  }

  /**
   * Compiles an expression that must give a list, such as a foreach loop param's. Values of params
   * and steps are dynamic, so only a result that is plainly not a list (1 + 2) fails here; the rest
   * is checked when it is evaluated.
   */
  public static Expression list(String source) {
    return compile(LISTS, source);
  }

  private static Expression compile(CelCompiler compiler, String source) {
    CelValidationResult result = compiler.compile(source);
    if (result.hasError()) {
      throw new ExpressionException(
          "'" + source + "' does not compile: " + firstLine(result.getErrorString()));
    }
    try {
      CelAbstractSyntaxTree ast = result.getAst();
      return new Expression(source, RUNTIME.createProgram(ast));
    } catch (CelValidationException | CelEvaluationException e) {
      throw new ExpressionException("'" + source + "' does not compile: " + e.getMessage(), e);
    }
  }

  private static String firstLine(String text) {
    String t = text.strip();
    int nl = t.indexOf('\n');
    return (nl < 0 ? t : t.substring(0, nl)).replaceFirst("^ERROR: <input>:", "at ");
  }
}
