package dev.kfp.operator.simulator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonGeneratorDecorator;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Doubles (the numbers of a {@code google.protobuf.Value}) written as KFP's protojson writes them: the shortest
 * decimal that reads back as the same double, without exponent from 1e-6 up to 1e21 ({@code 9007199254740992},
 * {@code 0.00001}), with one outside that range ({@code 1e+21}, {@code 1e-7}). protobuf-go's
 * {@code internal/encoding/json/encode.go}, {@code appendFloat}: {@code strconv.AppendFloat} with format
 * {@code 'f'}, or {@code 'e'} outside the range, then {@code e-07} shortened to {@code e-7}. Jackson would
 * write {@code 9.007199254740992E15}.
 */
final class ProtoJsonDoubles implements JsonGeneratorDecorator {

  private static final double EXPONENT_BELOW = 1e-6;
  private static final double EXPONENT_FROM = 1e21;

  @Override
  public JsonGenerator decorate(JsonFactory factory, JsonGenerator generator) {
    return new JsonGeneratorDelegate(generator, false) {
      @Override
      public void writeNumber(double value) throws IOException {
        delegate.writeNumber(text(value));
      }
    };
  }

  /** The protojson text of a finite {@code value} (JSON, which the simulator reads, has no other). */
  static String text(double value) {
    if (value == 0) {
      return 1 / value < 0 ? "-0" : "0";
    }
    BigDecimal shortest = shortest(value);
    double magnitude = Math.abs(value);
    if (magnitude >= EXPONENT_BELOW && magnitude < EXPONENT_FROM) {
      return shortest.toPlainString();
    }
    String digits = shortest.unscaledValue().abs().toString();
    int exponent = digits.length() - 1 - shortest.scale();
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    // Go writes at least two exponent digits, and protojson drops the zero of a negative one-digit exponent.
    String written = exponent < 0 ? "-" + -exponent
        : "+" + (exponent < 10 ? "0" : "") + exponent;
    return (value < 0 ? "-" : "") + mantissa + "e" + written;
  }

  /**
   * The decimal with the fewest digits that reads back as {@code value}, the nearest one of that length (Java
   * 17's {@code Double.toString} is not always the shortest).
   */
  private static BigDecimal shortest(double value) {
    BigDecimal exact = new BigDecimal(value);
    for (int digits = 1; digits < 17; digits++) {
      BigDecimal rounded = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
      if (rounded.doubleValue() == value) {
        return rounded.stripTrailingZeros();
      }
    }
    return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
  }
}
