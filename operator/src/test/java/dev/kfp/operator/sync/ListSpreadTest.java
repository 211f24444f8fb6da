package dev.kfp.operator.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bulk sync's turn-taking within one state group: deadlines kept, lists full, ticks evenly loaded. */
class ListSpreadTest {

  private static final int CHUNK = 150;
  private static final int PERIOD = 6;

  /** One run of the group: the tick it was last listed on. */
  private static final class Run {
    long listedTick;
    long longestGap;
  }

  private record Candidate(Run run, long deadline, int period) implements ListSpread.Candidate {}

  /** Lists per tick, over {@code ticks} ticks, for {@code runs} runs first seen on tick 0. */
  private static List<Integer> simulate(List<Run> runs, int ticks) {
    ListSpread spread = new ListSpread();
    List<Integer> listsPerTick = new ArrayList<>();
    for (long tick = 1; tick <= ticks; tick++) {
      List<Candidate> candidates = new ArrayList<>();
      for (Run run : runs) {
        candidates.add(new Candidate(run, run.listedTick + PERIOD, PERIOD));
      }
      List<Candidate> taken = spread.take(candidates, tick, CHUNK);
      for (Candidate candidate : taken) {
        candidate.run().longestGap = Math.max(candidate.run().longestGap, tick - candidate.run().listedTick);
        candidate.run().listedTick = tick;
      }
      listsPerTick.add((taken.size() + CHUNK - 1) / CHUNK);
    }
    return listsPerTick;
  }

  private static List<Run> runs(int count) {
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      runs.add(new Run());
    }
    return runs;
  }

  @Test
  void aThousandRunsAreListedInTurnEachWithinItsPeriodInFullListsAFewATick() {
    List<Run> runs = runs(1000);
    List<Integer> lists = simulate(runs, 120);

    assertThat(runs).allSatisfy(run -> assertThat(run.longestGap).isLessThanOrEqualTo(PERIOD));
    // Listing every run once per period takes 1000 / 150 = 6.7 full lists a period: 133 in 20 periods.
    int total = lists.stream().mapToInt(Integer::intValue).sum();
    assertThat(total).isBetween(133, 140);
    // Once the first period has passed, no tick takes more than two lists: the group is not listed in a burst.
    assertThat(lists.subList(PERIOD, lists.size())).allSatisfy(n -> assertThat(n).isBetween(1, 2));
  }

  @Test
  void aGroupSmallerThanAListIsListedWholeOncePerPeriod() {
    List<Run> runs = runs(20);
    List<Integer> lists = simulate(runs, 60);

    assertThat(runs).allSatisfy(run -> assertThat(run.longestGap).isEqualTo(PERIOD));
    assertThat(lists.stream().mapToInt(Integer::intValue).sum()).isEqualTo(10);
  }

  @Test
  void runsFirstSeenOnOneTickAreSpreadOverTheTicksOfAPeriod() {
    List<Run> runs = runs(900);
    simulate(runs, 60);

    long distinctTicks = runs.stream().mapToLong(run -> run.listedTick % PERIOD).distinct().count();
    assertThat(distinctTicks).isEqualTo(PERIOD);
  }
}
