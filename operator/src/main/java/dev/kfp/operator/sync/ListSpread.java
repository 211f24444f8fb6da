package dev.kfp.operator.sync;

import java.util.Comparator;
import java.util.List;

/**
 * Which runs of one state group a tick lists: the runs are listed in turn, earliest deadline first, at the rate
 * their periods ask for, in lists of the chunk size. A group whose runs were all due on the same tick would be
 * listed all at once every period, and the changes of the whole group found in one burst, whose reconciles and
 * status writes queue behind each other: the last change of a burst is seen late. Listed in turn, each tick
 * takes a share of the group, so the changes found per tick are few and written at once, and the lists are still
 * full: the calls are those of listing every run once per period.
 *
 * <p>The group earns {@code sum(1 / period)} runs a tick (its credit); a tick lists as many whole chunks as the
 * credit pays for, and at least the runs whose deadline has come, topped up to a whole chunk with the runs due
 * next. Listing pays from the credit; a list forced by deadlines may leave it below zero, which later ticks pay
 * back. A group smaller than a chunk is therefore listed whole, once per period, as before.
 */
final class ListSpread {

  /** One run a tick may list: its deadline (the tick by which it must be listed) and its period in ticks. */
  interface Candidate {
    long deadline();

    int period();
  }

  private double credit;

  /**
   * The runs this tick lists, a prefix of {@code candidates} once sorted by deadline (the list is sorted in place).
   *
   * @param tick the tick number
   * @param chunk the run ids one list carries
   */
  <C extends Candidate> List<C> take(List<C> candidates, long tick, int chunk) {
    if (candidates.isEmpty()) {
      credit = 0;
      return candidates;
    }
    candidates.sort(Comparator.comparingLong(Candidate::deadline));
    for (Candidate candidate : candidates) {
      credit += 1.0 / candidate.period();
    }
    int overdue = 0;
    while (overdue < candidates.size() && candidates.get(overdue).deadline() <= tick) {
      overdue++;
    }
    int lists = Math.max((overdue + chunk - 1) / chunk, (int) Math.floor(credit / chunk));
    int taken = Math.min(candidates.size(), lists * chunk);
    credit -= taken;
    // Credit left over by a group that shrank is not spent later in bursts; a debt is paid back within a period.
    credit = Math.max(-candidates.size(), Math.min(credit, chunk));
    return candidates.subList(0, taken);
  }
}
