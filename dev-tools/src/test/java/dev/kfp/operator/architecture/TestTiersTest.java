package dev.kfp.operator.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kfp.operator.RealCluster;
import dev.kfp.operator.SourceTree;
import dev.kfp.operator.architecture.ClassFileReferences.Member;
import dev.kfp.operator.benchmark.BenchmarkCommand;
import dev.kfp.operator.realkfp.KfpTestServer;
import dev.kfp.operator.reconciler.OperatorHarness;
import dev.kfp.operator.peers.EmbeddedKubernetes;
import dev.kfp.operator.peers.KfpServer;
import dev.kfp.operator.peers.RealKubernetes;
import dev.kfp.operator.sandbox.Sandbox;
import dev.kfp.operator.sandbox.SandboxKfp;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.commons.annotation.Testable;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;

/**
 * Every test class is in exactly the tier of what it starts (docs/developing/test-tiers.md), so that each tier runs
 * alone with {@code -Dgroups=<tag>} and a new test cannot slip out of its tier:
 * <ul>
 *   <li>KFP's own server (on either Kubernetes API): {@code kfp-server};
 *   <li>else the real kube-apiserver: {@code real-api};
 *   <li>else Fabric8's mock API: {@code mock-api};
 *   <li>nothing of these: the unit tier, no tier tag;
 *   <li>a failsafe class ({@code *IT}): {@code jar}, {@code image} or {@code cluster}, whatever it starts.
 * </ul>
 * No class starts both Kubernetes APIs. What a class starts is read from the compiled test classes: the calls
 * that start a backend (below), in the class, its nested classes, its superclasses and the test helpers they use,
 * transitively; the harness, the shared real cluster and the KFP test server themselves are entry points, not
 * followed (what a test asks of them is what counts).
 */
class TestTiersTest {

  /** Every module's compiled tests; this test runs in the last module of the build, when they are all there. */
  private static final List<Path> TEST_CLASSES = SourceTree.modules().stream()
      .map(module -> Path.of(module, "target", "test-classes")).filter(Files::isDirectory).toList();
  private static final String HARNESS = internal(OperatorHarness.class);
  private static final String BACKEND = "L" + internal(OperatorHarness.Backend.class) + ";";
  private static final String FAULT_BENCH = "dev/kfp/operator/reliability/FaultBench";
  /** The harness's static methods that start an operator with its backends. */
  private static final Set<String> HARNESS_STARTS = Set.of("start", "startWithDefaultTtl", "startOnKfpServer");
  private static final Set<String> ENTRY_POINTS = Set.of(HARNESS, internal(RealCluster.class),
      internal(KfpTestServer.class), FAULT_BENCH);
  private static final Set<String> KUBERNETES_TIERS = Set.of("mock-api", "real-api", "kfp-server");
  private static final Set<String> FAILSAFE_TIERS = Set.of("jar", "image", "cluster");

  /** What a test can start. */
  enum Backend { MOCK_API, REAL_API, KFP_SERVER }

  /** A use of {@code owner.name} (with a matching descriptor) that starts {@code backend}. */
  record Marker(Backend backend, String owner, Predicate<String> name, Predicate<String> descriptor) {

    Marker(Backend backend, String owner, String name) {
      this(backend, owner, name::equals, descriptor -> true);
    }

    boolean matches(Member member) {
      return member.owner().equals(owner) && name.test(member.name()) && descriptor.test(member.descriptor());
    }
  }

  private static final List<Marker> MARKERS = List.of(
      new Marker(Backend.MOCK_API, internal(EmbeddedKubernetes.class), "start"),
      // the benchmark's environment starts the embedded mock unless it is given a Kubernetes API
      new Marker(Backend.MOCK_API, "dev/kfp/operator/benchmark/BenchmarkEnvironment", "<init>"::equals,
          descriptor -> !descriptor.contains("Ldev/kfp/operator/peers/LocalKubernetes;")),
      new Marker(Backend.MOCK_API, internal(BenchmarkCommand.class), "run"),
      // the sandbox's own choice of Kubernetes: tests give it no binaries, so it starts the mock or refuses
      new Marker(Backend.MOCK_API, internal(Sandbox.class), "startKubernetes"),
      new Marker(Backend.MOCK_API, internal(OperatorHarness.Backend.class), "MOCK"),
      // the harness's starts that name no Kubernetes API run on the mock
      new Marker(Backend.MOCK_API, HARNESS, HARNESS_STARTS::contains, descriptor -> !descriptor.contains(BACKEND)),
      // the fault bench runs on the mock unless -Dfaults.kubernetes=real asks for the real server, outside the tiers
      new Marker(Backend.MOCK_API, FAULT_BENCH, "<init>"),
      new Marker(Backend.REAL_API, internal(RealCluster.class), "lease"),
      new Marker(Backend.REAL_API, internal(RealCluster.class), "shared"),
      new Marker(Backend.REAL_API, internal(RealKubernetes.class), "start"),
      // the scale benchmark runs only on the real API server
      new Marker(Backend.REAL_API, "dev/kfp/operator/benchmark/ScaleBenchmark", "run"),
      new Marker(Backend.REAL_API, internal(OperatorHarness.Backend.class), "REAL"),
      new Marker(Backend.KFP_SERVER, internal(KfpTestServer.class), "start"),
      new Marker(Backend.KFP_SERVER, internal(KfpTestServer.class), "binary"),
      new Marker(Backend.KFP_SERVER, internal(KfpServer.class), "start"),
      new Marker(Backend.KFP_SERVER, HARNESS, "startOnKfpServer"),
      new Marker(Backend.KFP_SERVER, internal(OperatorHarness.KfpBackend.class), "KFP_SERVER"),
      new Marker(Backend.KFP_SERVER, internal(SandboxKfp.Choice.class), "KFP_SERVER"));

  private static Map<String, ClassFileReferences> classes;

  @BeforeAll
  static void readTestClasses() throws IOException {
    classes = new TreeMap<>();
    for (Path dir : TEST_CLASSES) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.filter(f -> f.toString().endsWith(".class")).map(ClassFileReferences::read)
            .forEach(c -> classes.put(c.name(), c));
      }
    }
  }

  @Test
  void everyTestClassCarriesTheTierOfWhatItStarts() throws ClassNotFoundException {
    List<String> problems = new ArrayList<>();
    int testClasses = 0;
    for (ClassFileReferences file : classes.values()) {
      Class<?> type = load(file.name());
      if (!isTestClass(type)) {
        continue;
      }
      testClasses++;
      Set<String> tiers = tiers(type);
      if (type.getSimpleName().endsWith("IT")) {
        if (tiers.size() != 1 || !FAILSAFE_TIERS.containsAll(tiers)) {
          problems.add(type.getName() + " (failsafe) carries " + tiers + ", not exactly one of " + FAILSAFE_TIERS);
        }
        continue;
      }
      Set<Backend> started = started(file.name());
      if (started.contains(Backend.MOCK_API) && started.contains(Backend.REAL_API)) {
        problems.add(type.getName() + " starts both the mock and the real Kubernetes API: split it into a scenario"
            + " class and one subclass per API");
        continue;
      }
      Set<String> expected = expectedTier(started).map(Set::of).orElse(Set.of());
      if (!tiers.equals(expected)) {
        problems.add(type.getName() + " starts " + started + " and carries " + tiers + ", not " + expected);
      }
    }
    assertThat(testClasses).as("test classes found under " + TEST_CLASSES).isPositive();
    assertThat(problems).as("test classes outside their tier").isEmpty();
  }

  /**
   * A parameter over the harness's Backend (an {@code @EnumSource(Backend.class)}, {@code Backend.values()}, a
   * method parameter or a field of that type) would run one class on both APIs, which the markers cannot see.
   */
  @Test
  void noTestClassTakesTheKubernetesApiAsAParameter() throws ClassNotFoundException {
    Class<?> backend = OperatorHarness.Backend.class;
    List<String> problems = new ArrayList<>();
    for (ClassFileReferences file : classes.values()) {
      if (!isTestClass(load(file.name()))) {
        continue;
      }
      for (ClassFileReferences used : closure(file.name())) {
        Class<?> type = load(used.name());
        boolean takesOne = Stream.of(type.getDeclaredMethods())
            .anyMatch(m -> List.of(m.getParameterTypes()).contains(backend))
            || Stream.of(type.getDeclaredFields()).anyMatch(f -> f.getType() == backend)
            || used.members().stream().anyMatch(m -> m.owner().equals(internal(OperatorHarness.Backend.class))
                && (m.name().equals("values") || m.name().equals("valueOf")));
        if (takesOne) {
          problems.add(file.name().replace('/', '.') + " takes the Kubernetes API as a parameter in "
              + type.getName() + ": one class per API, a scenario class with an abstract backend() and a"
              + " subclass per API");
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theScanSeesEachTiersStarts() {
    assertThat(started(named("RealServerRunLifecycleTest"))).containsOnly(Backend.REAL_API);
    assertThat(started(named("MockApiRunLifecycleTest"))).containsOnly(Backend.MOCK_API);
    assertThat(started(named("KfpServerDeletedRunTest"))).containsOnly(Backend.MOCK_API, Backend.KFP_SERVER);
    assertThat(started(named("FaultSuiteTest"))).containsOnly(Backend.MOCK_API);
    assertThat(started(named("KfpJsonTest"))).isEmpty();
  }

  /** The internal name of the test class with this simple name. */
  private static String named(String simpleName) {
    return classes.keySet().stream().filter(name -> name.endsWith("/" + simpleName)).findFirst()
        .orElseThrow(() -> new AssertionError("no test class " + simpleName + " under " + TEST_CLASSES));
  }

  private static String internal(Class<?> type) {
    return type.getName().replace('.', '/');
  }

  private static Optional<String> expectedTier(Set<Backend> started) {
    if (started.contains(Backend.KFP_SERVER)) {
      return Optional.of("kfp-server");
    }
    if (started.contains(Backend.REAL_API)) {
      return Optional.of("real-api");
    }
    if (started.contains(Backend.MOCK_API)) {
      return Optional.of("mock-api");
    }
    return Optional.empty();
  }

  /** The backends the class starts, with everything it runs of the test sources. */
  private static Set<Backend> started(String name) {
    Set<Backend> started = EnumSet.noneOf(Backend.class);
    for (ClassFileReferences c : closure(name)) {
      for (Member member : c.members()) {
        MARKERS.stream().filter(marker -> marker.matches(member)).forEach(marker -> started.add(marker.backend()));
      }
    }
    return started;
  }

  /**
   * The class, its nested classes and superclasses, and the test-source classes they name, transitively; the entry
   * points are not followed.
   */
  private static Set<ClassFileReferences> closure(String name) {
    Set<String> seen = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(List.of(name));
    Set<ClassFileReferences> found = new HashSet<>();
    while (!todo.isEmpty()) {
      String next = todo.pop();
      ClassFileReferences file = classes.get(next);
      if (file == null || !seen.add(next) || isEntryPoint(next) && !next.equals(name)) {
        continue;
      }
      found.add(file);
      todo.addAll(file.classes());
      if (file.superName() != null) {
        todo.add(file.superName());
      }
      classes.keySet().stream().filter(n -> n.startsWith(next + "$")).forEach(todo::add);
    }
    return found;
  }

  private static boolean isEntryPoint(String name) {
    return ENTRY_POINTS.stream().anyMatch(e -> name.equals(e) || name.startsWith(e + "$"));
  }

  /** The tier tags JUnit sees on the class (inherited ones included). */
  private static Set<String> tiers(Class<?> type) {
    return AnnotationSupport.findRepeatableAnnotations(type, Tag.class).stream().map(Tag::value)
        .filter(tag -> KUBERNETES_TIERS.contains(tag) || FAILSAFE_TIERS.contains(tag))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** A class JUnit runs: concrete, top level, with a test method of its own or inherited. */
  private static boolean isTestClass(Class<?> type) {
    return !type.isAnnotation() && !type.isInterface() && !Modifier.isAbstract(type.getModifiers())
        && type.getEnclosingClass() == null
        && !AnnotationSupport.findAnnotatedMethods(type, Testable.class, HierarchyTraversalMode.TOP_DOWN).isEmpty();
  }

  private static Class<?> load(String internalName) throws ClassNotFoundException {
    return Class.forName(internalName.replace('/', '.'), false, TestTiersTest.class.getClassLoader());
  }
}
