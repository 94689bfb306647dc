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

/** Compiles CEL. One shared instance; compiling is the costly part, so callers cache results. */
public final class Expressions {
  /** Bounds list macros such as all/exists/map, so that no expression runs away. */
  private static final int MAX_ITERATIONS = 100_000;

  /**
   * Numbers from JSON (params, outputs) are int or double by their spelling alone, so 1 and 0.5
   * must compare with each other. CEL reserves some words it does not use, {@code loop} and
   * {@code while} among them; the check is off so that the loop variable can be called loop.
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

  private static CelCompiler compiler(CelType resultType) {
    var builder =
        CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(OPTIONS)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addFunctionDeclarations(Dates.DECLARATION)
            .addVar("params", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("steps", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("loop", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .addVar("last", MapType.create(SimpleType.STRING, SimpleType.DYN));
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
   * Compiles an expression that must give a list, such as a foreach loop param's. Values of
   * params and steps are dynamic, so only a result that is plainly not a list (1 + 2) fails here;
   * the rest is checked when it is evaluated.
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
