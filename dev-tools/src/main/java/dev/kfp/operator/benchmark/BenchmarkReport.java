package dev.kfp.operator.benchmark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The benchmark's figures: printed as a table, written as JSON and as an SVG chart. */
record BenchmarkReport(BenchmarkOptions options, Kfp kfp, Kubernetes kubernetes, double bareLoopSeconds,
    double bareLoopBytesPerRun, Map<String, Long> bareLoopRequests, List<ModeBenchmark.Result> modes,
    HeapBenchmark.Result heap) {

  /**
   * Which KFP calls, bytes and lag were measured against: {@code simulator} or {@code kfp-server}, the release its
   * /healthz names, and a description.
   */
  record Kfp(String backend, String version, String description) {}

  /** Which Kubernetes API the runs were measured on: {@code real} or {@code mock}, and a description. */
  record Kubernetes(String backend, String description) {}

  static final double TARGET_CALLS = 0.1;
  static final double TARGET_SUBMISSION_RATIO = 0.8;
  /** Status lag p99 at most this share of the poll interval. */
  static final double TARGET_LAG_SHARE = 0.6;
  static final long TARGET_HEAP_MB = 256;
  /** Bulk mode reads at most this share of what per-run polling reads (docs/developing/design.md, "Goals"). */
  static final double TARGET_BYTES_SHARE = 0.05;

  static String machine() {
    return String.format(Locale.ROOT, "%d cores, max heap %d MB, Java %s (%s), %s %s",
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("java.version"), System.getProperty("java.vm.name"), System.getProperty("os.name"),
        System.getProperty("os.arch"));
  }

  double lagTarget() {
    return options.interval().toMillis() / 1000.0 * TARGET_LAG_SHARE;
  }

  static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    int index = (int) Math.ceil(p / 100 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  String table() {
    StringBuilder out = new StringBuilder();
    out.append("machine: ").append(machine()).append('\n');
    out.append("KFP: ").append(kfp.description()).append(", version ").append(kfp.version()).append('\n');
    out.append("Kubernetes: ").append(kubernetes.description()).append('\n');
    out.append(String.format(Locale.ROOT, "runs %d, interval %ss, concurrency %d, inline spec %d KiB, JVM args %s%n",
        options.runs(), options.interval().toMillis() / 1000.0, options.concurrency(), options.specKib(),
        ManagementFactory.getRuntimeMXBean().getInputArguments()));
    String header = String.format(Locale.ROOT, "%-38s", "");
    for (ModeBenchmark.Result mode : modes) {
      header += String.format(Locale.ROOT, "%16s", mode.mode());
    }
    out.append(header).append(String.format("  %s%n", "target"));
    row(out, "submission of all Runs (s)", m -> fmt(m.submissionSeconds()), "");
    out.append(String.format(Locale.ROOT, "%-38s%16s%n", "bare loop, same calls (s)", fmt(bareLoopSeconds)));
    row(out, "submission rate vs bare loop", m -> pct(bareLoopSeconds / m.submissionSeconds()),
        ">= " + pct(TARGET_SUBMISSION_RATIO));
    row(out, "KFP calls / active run / minute", m -> String.format(Locale.ROOT, "%.3f", m.callsPerRunPerMinute()),
        "<= " + TARGET_CALLS + " (bulk)");
    out.append(String.format(Locale.ROOT, "%-38s%16s%n", "KFP KiB / Run submitted, bare loop",
        fmt(bareLoopBytesPerRun / 1024)));
    row(out, "KFP KiB / Run submitted", m -> fmt(m.submissionBytesPerRun() / 1024), "");
    row(out, "KFP KiB / active run / minute", m -> fmt(m.bytesPerRunPerMinute() / 1024), "");
    modes.stream().filter(m -> m.mode().equals("per-run")).findFirst().ifPresent(perRun ->
        row(out, "  share of per-run polling's bytes", m -> pct(m.bytesPerRunPerMinute()
            / perRun.bytesPerRunPerMinute()), "<= " + pct(TARGET_BYTES_SHARE) + " (bulk)"));
    row(out, "status lag p50 (s)", m -> fmt(percentile(m.lagSeconds(), 50)), "");
    row(out, "status lag p95 (s)", m -> fmt(percentile(m.lagSeconds(), 95)), "");
    row(out, "status lag p99 (s)", m -> fmt(percentile(m.lagSeconds(), 99)), "<= " + fmt(lagTarget()) + " (bulk)");
    row(out, "state changes timed", m -> String.valueOf(m.lagSeconds().size()), "");
    row(out, "  lag p99 after submission (s)", m -> fmt(percentile(m.lagSecondsAfterSubmission(), 99)), "");
    row(out, "  state changes after submission", m -> String.valueOf(m.lagSecondsAfterSubmission().size()), "");
    row(out, "Kubernetes requests / active Run / min",
        m -> String.format(Locale.ROOT, "%.3f", m.kubernetesRequestsPerRunPerMinute(options.runs())), "");
    out.append("Kubernetes requests per Run submitted (bare loop | operator, without its informers' list and watch"
        + "; the Runs' creates are the user's):\n");
    Map<String, Long> operator = modes.isEmpty() ? Map.of() : modes.get(0).submissionRequests();
    java.util.Set<String> keys = new java.util.TreeSet<>(bareLoopRequests.keySet());
    keys.addAll(operator.keySet());
    for (String key : keys) {
      if (key.startsWith("list ") || key.startsWith("watch ")) {
        continue;
      }
      out.append(String.format(Locale.ROOT, "  %-36s%16s%16s%n", key,
          fmt(bareLoopRequests.getOrDefault(key, 0L) / (double) options.runs()),
          fmt(operator.getOrDefault(key, 0L) / (double) options.runs())));
    }
    for (ModeBenchmark.Result mode : modes) {
      out.append("Kubernetes requests in the steady-state window, ").append(mode.mode()).append(": ")
          .append(mode.windowRequests()).append('\n');
    }
    if (heap != null) {
      out.append(String.format(Locale.ROOT, "%-38s%16s  <= %d MB%n",
          "operator heap, " + heap.runs() + " Runs (MB)", fmt(heap.operatorBytes() / 1048576.0), TARGET_HEAP_MB));
      out.append(String.format(Locale.ROOT, "%-38s%16s%n", "  whole process / without operator (MB)",
          fmt(heap.withOperator() / 1048576.0) + " / " + fmt(heap.withoutOperator() / 1048576.0)));
    }
    return out.toString();
  }

  private void row(StringBuilder out, String label, java.util.function.Function<ModeBenchmark.Result, String> cell,
      String target) {
    out.append(String.format(Locale.ROOT, "%-38s", label));
    modes.forEach(m -> out.append(String.format(Locale.ROOT, "%16s", cell.apply(m))));
    out.append(target.isEmpty() ? "" : "  " + target).append('\n');
  }

  private static String fmt(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }

  private static String pct(double ratio) {
    return String.format(Locale.ROOT, "%.0f%%", ratio * 100);
  }

  Map<String, Object> json() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("machine", machine());
    Map<String, Object> kfpJson = new LinkedHashMap<>();
    kfpJson.put("backend", kfp.backend());
    kfpJson.put("version", kfp.version());
    kfpJson.put("description", kfp.description());
    root.put("kfp", kfpJson);
    Map<String, Object> kubernetesJson = new LinkedHashMap<>();
    kubernetesJson.put("backend", kubernetes.backend());
    kubernetesJson.put("description", kubernetes.description());
    root.put("kubernetes", kubernetesJson);
    root.put("jvmArguments", ManagementFactory.getRuntimeMXBean().getInputArguments());
    root.put("runs", options.runs());
    root.put("intervalSeconds", options.interval().toMillis() / 1000.0);
    root.put("concurrency", options.concurrency());
    root.put("bareLoopSeconds", bareLoopSeconds);
    root.put("bareLoopKfpBytesPerRun", bareLoopBytesPerRun);
    root.put("bareLoopKubernetesRequests", bareLoopRequests);
    root.put("inlineSpecKib", options.specKib());
    List<Map<String, Object>> results = new ArrayList<>();
    for (ModeBenchmark.Result mode : modes) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mode", mode.mode());
      m.put("submissionSeconds", mode.submissionSeconds());
      m.put("submissionRateVsBareLoop", bareLoopSeconds / mode.submissionSeconds());
      m.put("kfpCallsPerActiveRunPerMinute", mode.callsPerRunPerMinute());
      m.put("windowSeconds", mode.windowSeconds());
      m.put("windowCalls", mode.windowCalls());
      m.put("kfpBytesPerRunSubmitted", mode.submissionBytesPerRun());
      m.put("kfpBytesPerActiveRunPerMinute", mode.bytesPerRunPerMinute());
      m.put("lagSecondsP50", percentile(mode.lagSeconds(), 50));
      m.put("lagSecondsP95", percentile(mode.lagSeconds(), 95));
      m.put("lagSecondsP99", percentile(mode.lagSeconds(), 99));
      m.put("stateChangesTimed", mode.lagSeconds().size());
      m.put("lagSecondsP99AfterSubmission", percentile(mode.lagSecondsAfterSubmission(), 99));
      m.put("stateChangesTimedAfterSubmission", mode.lagSecondsAfterSubmission().size());
      m.put("submissionKubernetesRequests", mode.submissionRequests());
      Map<String, Object> steps = new LinkedHashMap<>();
      mode.submissionSteps().forEach((step, seconds) -> steps.put(step, Map.of(
          "p50", percentile(seconds, 50), "p90", percentile(seconds, 90), "max", percentile(seconds, 100))));
      m.put("submissionStepSeconds", steps);
      m.put("windowKubernetesRequests", mode.windowRequests());
      m.put("kubernetesRequestsPerActiveRunPerMinute", mode.kubernetesRequestsPerRunPerMinute(options.runs()));
      results.add(m);
    }
    root.put("modes", results);
    if (heap != null) {
      root.put("heapRuns", heap.runs());
      root.put("operatorHeapMegabytes", heap.operatorBytes() / 1048576.0);
      root.put("processHeapMegabytes", heap.withOperator() / 1048576.0);
      root.put("processHeapWithoutOperatorMegabytes", heap.withoutOperator() / 1048576.0);
    }
    root.put("targets", Map.of("kfpCallsPerActiveRunPerMinute", TARGET_CALLS, "lagSecondsP99", lagTarget(),
        "submissionRateVsBareLoop", TARGET_SUBMISSION_RATIO, "operatorHeapMegabytes", TARGET_HEAP_MB));
    return root;
  }

  /** Two bar charts side by side: calls per active run per minute, and lag p50/p95/p99, for each mode. */
  String svg() {
    int width = 760;
    int height = 340;
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "font-family=\"sans-serif\" font-size=\"12\">%n", width, height));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"20\" font-size=\"14\">kfp-run-operator status sync: "
        + "%d Runs, interval %ss, %s Kubernetes API (%s)</text>%n", options.runs(),
        fmt(options.interval().toMillis() / 1000.0), kubernetes.backend(), escape(machine())));
    String[] colors = {"#2b6cb0", "#c05621", "#2f855a"};
    // Left: calls per active run per minute.
    double maxCalls = Math.max(TARGET_CALLS, modes.stream().mapToDouble(ModeBenchmark.Result::callsPerRunPerMinute)
        .max().orElse(1)) * 1.15;
    Panel calls = new Panel(50, 60, 280, 220, maxCalls);
    calls.frame(svg, "KFP calls per active run per minute");
    for (int i = 0; i < modes.size(); i++) {
      calls.bar(svg, i * 70 + 30, 50, modes.get(i).callsPerRunPerMinute(), colors[i % colors.length],
          modes.get(i).mode(), String.format(Locale.ROOT, "%.3f", modes.get(i).callsPerRunPerMinute()));
    }
    calls.line(svg, TARGET_CALLS, "target " + TARGET_CALLS);
    // Right: lag percentiles.
    double maxLag = lagTarget();
    for (ModeBenchmark.Result mode : modes) {
      maxLag = Math.max(maxLag, percentile(mode.lagSeconds(), 99));
    }
    Panel lag = new Panel(430, 60, 300, 220, maxLag * 1.15);
    lag.frame(svg, "status lag (s): p50, p95, p99");
    String[] names = {"p50", "p95", "p99"};
    double[] ps = {50, 95, 99};
    for (int m = 0; m < modes.size(); m++) {
      for (int p = 0; p < 3; p++) {
        double value = percentile(modes.get(m).lagSeconds(), ps[p]);
        lag.bar(svg, m * 140 + 15 + p * 38, 32, value, colors[m % colors.length],
            p == 1 ? modes.get(m).mode() + " " + names[p] : names[p], fmt(value));
      }
    }
    lag.line(svg, lagTarget(), "target p99 " + fmt(lagTarget()));
    svg.append("</svg>\n");
    return svg.toString();
  }

  /** A chart area with a linear value axis from 0 to {@code max}. */
  private record Panel(int x, int y, int w, int h, double max) {

    int yOf(double value) {
      return y + h - (int) Math.round(Math.min(value, max) / max * h);
    }

    void frame(StringBuilder svg, String title) {
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n", x, y - 12,
          escape(title)));
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
          x, y, x, y + h));
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
          x, y + h, x + w, y + h));
      for (int i = 0; i <= 4; i++) {
        double value = max * i / 4;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#555\">%s</text>%n",
            x - 4, yOf(value) + 4, value >= 10 ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.2f", value)));
      }
    }

    void bar(StringBuilder svg, int offset, int barWidth, double value, String color, String label, String text) {
      int top = yOf(Double.isNaN(value) ? 0 : value);
      svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
          x + offset, top, barWidth, y + h - top, color));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
          x + offset + barWidth / 2, top - 4, escape(text)));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
          x + offset + barWidth / 2, y + h + 16, escape(label)));
    }

    void line(StringBuilder svg, double value, String label) {
      int at = yOf(value);
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c53030\" "
          + "stroke-dasharray=\"6 4\"/>%n", x, at, x + w, at));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#c53030\">%s</text>%n",
          x + w, at - 4, escape(label)));
    }
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  void write(Path directory) throws IOException {
    Files.createDirectories(directory);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(directory.resolve("benchmark.json").toFile(), json());
    Files.writeString(directory.resolve("benchmark.svg"), svg());
    Files.writeString(directory.resolve("benchmark.txt"), table());
  }
}
