package dev.kfp.operator.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Doubles as protobuf-go's protojson writes them ({@code appendFloat}: 'f' from 1e-6 to 1e21, else 'e'). */
class ProtoJsonDoublesTest {

  @Test
  void integralDoublesBelowTenToThe21HaveNoExponent() {
    assertThat(ProtoJsonDoubles.text(9007199254740992d)).isEqualTo("9007199254740992");
    assertThat(ProtoJsonDoubles.text(9007199254740993d)).isEqualTo("9007199254740992");
    assertThat(ProtoJsonDoubles.text(-9007199254740994d)).isEqualTo("-9007199254740994");
    assertThat(ProtoJsonDoubles.text(1e20)).isEqualTo("100000000000000000000");
    // the shortest digits, then zeros: not the exact 9223372036854775808
    assertThat(ProtoJsonDoubles.text(Math.pow(2, 63))).isEqualTo("9223372036854776000");
  }

  @Test
  void fractionsUseTheShortestDigitsThatReadBack() {
    assertThat(ProtoJsonDoubles.text(0.1)).isEqualTo("0.1");
    assertThat(ProtoJsonDoubles.text(12345678.5)).isEqualTo("12345678.5");
    assertThat(ProtoJsonDoubles.text(0.000001)).isEqualTo("0.000001");
    assertThat(ProtoJsonDoubles.text(1.5)).isEqualTo("1.5");
    assertThat(ProtoJsonDoubles.text(-0.0)).isEqualTo("-0");
  }

  @Test
  void outsideTheRangeTheExponentIsGosWithTheNegativeOneDigitExponentShortened() {
    assertThat(ProtoJsonDoubles.text(1e21)).isEqualTo("1e+21");
    assertThat(ProtoJsonDoubles.text(1.5e300)).isEqualTo("1.5e+300");
    assertThat(ProtoJsonDoubles.text(-1.5e-7)).isEqualTo("-1.5e-7");
    assertThat(ProtoJsonDoubles.text(1.25e-10)).isEqualTo("1.25e-10");
    assertThat(ProtoJsonDoubles.text(Double.MIN_VALUE)).isEqualTo("5e-324");
  }
}
