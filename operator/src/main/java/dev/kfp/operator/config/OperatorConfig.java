package dev.kfp.operator.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The operator's settings, read from environment variables and flags (flags win) and validated together. */
public record OperatorConfig(
    URI kfpEndpoint,
    AuthMode kfpAuth,
    Path kfpTokenFile,
    Path kfpCaBundle,
    URI kfpUiUrl,
    Duration kfpTimeout,
    Set<String> watchNamespaces,
    Duration pollInterval,
    SyncMode syncMode,
    Duration resyncInterval,
    int monitoringPort,
    boolean metricsEnabled,
    boolean leaderElection,
    String leaderElectionNamespace,
    String kfpIdentityServiceAccount,
    Long ttlSecondsAfterFinished,
    ShardSelector shardSelector,
    String leaderElectionLease) {

  /** The Lease's name when neither a shard selector nor watched namespaces split the work. */
  public static final String DEFAULT_LEASE = "kfp-run-operator";

  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** True when every namespace is watched. */
  public boolean watchesAllNamespaces() {
    return watchNamespaces.isEmpty();
  }

  /**
   * Reads the settings. Flags are {@code --name value} or {@code --name=value}; unknown flags are an error.
   *
   * @throws ConfigException listing every problem, each naming the setting and what to fix
   */
  public static OperatorConfig load(Map<String, String> env, String[] args) {
    List<String> problems = new ArrayList<>();
    Map<Setting, String> raw = new EnumMap<>(Setting.class);
    for (Setting setting : Setting.values()) {
      String value = env.get(setting.envName());
      if (value != null) {
        raw.put(setting, value);
      }
    }
    raw.putAll(parseFlags(args, problems));
    Map<Setting, String> values = new HashMap<>();
    for (Setting setting : Setting.values()) {
      String value = raw.getOrDefault(setting, setting.defaultValue());
      values.put(setting, value == null ? null : value.trim());
    }

    URI endpoint = httpUrl(Setting.KFP_ENDPOINT, values.get(Setting.KFP_ENDPOINT), true, problems);
    AuthMode auth = authMode(values.get(Setting.KFP_AUTH), problems);
    Path tokenFile = path(values.get(Setting.KFP_TOKEN_FILE));
    if (auth == AuthMode.TOKEN && (tokenFile == null || !Files.isReadable(tokenFile))) {
      problems.add(describe(Setting.KFP_TOKEN_FILE) + ": file " + tokenFile + " is not readable, but "
          + Setting.KFP_AUTH.envName() + "=token needs it (mount a projected service-account token there)");
    }
    Path caBundle = path(values.get(Setting.KFP_CA_BUNDLE));
    if (caBundle != null && !Files.isReadable(caBundle)) {
      problems.add(describe(Setting.KFP_CA_BUNDLE) + ": file " + caBundle + " is not readable");
    }
    URI uiUrl = httpUrl(Setting.KFP_UI_URL, values.get(Setting.KFP_UI_URL), false, problems);
    Duration timeout = duration(Setting.KFP_TIMEOUT, values.get(Setting.KFP_TIMEOUT), problems);
    Set<String> namespaces = namespaces(values.get(Setting.WATCH_NAMESPACES), problems);
    ShardSelector shard = shardSelector(values.get(Setting.SHARD_SELECTOR), problems);
    Duration poll = duration(Setting.POLL_INTERVAL, values.get(Setting.POLL_INTERVAL), problems);
    SyncMode syncMode = syncMode(values.get(Setting.SYNC_MODE), problems);
    Duration resync = duration(Setting.RESYNC_INTERVAL, values.get(Setting.RESYNC_INTERVAL), problems);
    Long ttl = seconds(Setting.TTL_SECONDS_AFTER_FINISHED, values.get(Setting.TTL_SECONDS_AFTER_FINISHED), problems);
    int monitoringPort = port(Setting.MONITORING_PORT, values.get(Setting.MONITORING_PORT), problems);
    boolean metrics = bool(Setting.METRICS_ENABLED, values.get(Setting.METRICS_ENABLED), problems);
    boolean leaderElection = bool(Setting.LEADER_ELECTION, values.get(Setting.LEADER_ELECTION), problems);
    String leaseNamespace = values.get(Setting.LEADER_ELECTION_NAMESPACE);
    if (leaseNamespace != null && leaseNamespace.isEmpty()) {
      leaseNamespace = null;
    }
    if (leaseNamespace != null && !DNS_LABEL.matcher(leaseNamespace).matches()) {
      problems.add(describe(Setting.LEADER_ELECTION_NAMESPACE) + ": '" + leaseNamespace
          + "' is not a valid namespace name");
    }

    String lease = values.get(Setting.LEADER_ELECTION_LEASE);
    if (lease == null || lease.isEmpty()) {
      lease = shardLease(shard, namespaces);
    } else if (lease.length() > 253 || !lease.matches("[a-z0-9]([-.a-z0-9]*[a-z0-9])?")) {
      problems.add(describe(Setting.LEADER_ELECTION_LEASE) + ": '" + lease + "' is not a valid Lease name (lower-case"
          + " letters, digits, '-' and '.')");
    }

    String identity = values.get(Setting.KFP_IDENTITY_SERVICE_ACCOUNT);
    if (identity == null || !DNS_LABEL.matcher(identity).matches() && !identity.matches("[a-z0-9]([-.a-z0-9]*[a-z0-9])?")) {
      problems.add(describe(Setting.KFP_IDENTITY_SERVICE_ACCOUNT) + ": '" + identity
          + "' is not a valid service account name");
    }

    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new OperatorConfig(endpoint, auth, tokenFile, caBundle, uiUrl, timeout, namespaces, poll, syncMode,
        resync, monitoringPort, metrics, leaderElection, leaseNamespace, identity, ttl, shard, lease);
  }

  /**
   * The Lease of the shard that this selector and these namespaces make: {@value #DEFAULT_LEASE} when they split
   * nothing, else that with a suffix of the first 8 hex digits of the SHA-256 of both, as Flux names the leases of
   * its shards. Replicas of one shard (the same settings) contend for one Lease; two shards never do.
   */
  static String shardLease(ShardSelector shard, Set<String> namespaces) {
    if (shard.isEmpty() && namespaces.isEmpty()) {
      return DEFAULT_LEASE;
    }
    String identity = "selector=" + shard + ";namespaces=" + String.join(",", new TreeSet<>(namespaces));
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256")
          .digest(identity.getBytes(StandardCharsets.UTF_8));
      return DEFAULT_LEASE + "-" + HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static ShardSelector shardSelector(String value, List<String> problems) {
    try {
      return ShardSelector.parse(value);
    } catch (IllegalArgumentException e) {
      problems.add(describe(Setting.SHARD_SELECTOR) + ": '" + value + "' is not a label selector: " + e.getMessage());
      return ShardSelector.EVERYTHING;
    }
  }

  /** One line per setting, for {@code --help}. */
  public static String usage() {
    return Arrays.stream(Setting.values())
        .map(s -> String.format("  %-20s %-18s %s%s", s.flag(), s.envName(), s.description(),
            s.defaultValue() == null || s.defaultValue().isEmpty() ? "" : " (default " + s.defaultValue() + ")"))
        .collect(Collectors.joining("\n"));
  }

  private static Map<Setting, String> parseFlags(String[] args, List<String> problems) {
    Map<Setting, String> flags = new EnumMap<>(Setting.class);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      Setting setting = null;
      for (Setting candidate : Setting.values()) {
        if (candidate.flag().equals(name)) {
          setting = candidate;
        }
      }
      if (setting == null) {
        problems.add(UnknownName.message("flag", name, Arrays.stream(Setting.values()).map(Setting::flag).toList())
            + " (operator --help lists every flag)");
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          problems.add("flag " + name + " needs a value");
          continue;
        }
        value = args[++i];
      }
      flags.put(setting, value);
    }
    return flags;
  }

  private static String describe(Setting setting) {
    return setting.envName() + " (" + setting.flag() + ")";
  }

  private static URI httpUrl(Setting setting, String value, boolean required, List<String> problems) {
    if (value == null || value.isEmpty()) {
      if (required) {
        problems.add(describe(setting) + " is required: " + setting.description());
      }
      return null;
    }
    try {
      URI uri = new URI(value);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
        problems.add(describe(setting) + ": '" + value + "' is not an http(s) URL with a host");
        return null;
      }
      return uri;
    } catch (URISyntaxException e) {
      problems.add(describe(setting) + ": '" + value + "' is not a URL: " + e.getReason());
      return null;
    }
  }

  private static AuthMode authMode(String value, List<String> problems) {
    for (AuthMode mode : AuthMode.values()) {
      if (mode.externalName().equals(value)) {
        return mode;
      }
    }
    problems.add(describe(Setting.KFP_AUTH) + ": '" + value + "' is not one of "
        + Arrays.stream(AuthMode.values()).map(AuthMode::externalName).collect(Collectors.joining(", ")));
    return AuthMode.NONE;
  }

  private static SyncMode syncMode(String value, List<String> problems) {
    for (SyncMode mode : SyncMode.values()) {
      if (mode.externalName().equals(value)) {
        return mode;
      }
    }
    problems.add(describe(Setting.SYNC_MODE) + ": '" + value + "' is not one of "
        + Arrays.stream(SyncMode.values()).map(SyncMode::externalName).collect(Collectors.joining(", ")));
    return SyncMode.BULK;
  }

  private static Path path(String value) {
    return value == null || value.isEmpty() ? null : Path.of(value);
  }

  /** Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or an ISO-8601 duration such as {@code PT30S}. */
  public static Duration parseDuration(String value) {
    Matcher m = SHORT_DURATION.matcher(value);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
    return Duration.parse(value);
  }

  /**
   * {@link #parseDuration(String)} for a command-line flag.
   *
   * @throws IllegalArgumentException with a one-line message naming the flag and the value
   */
  public static Duration parseDuration(String flag, String value) {
    try {
      return parseDuration(value);
    } catch (DateTimeParseException | NullPointerException e) {
      throw new IllegalArgumentException(notADuration(flag, value));
    }
  }

  private static String notADuration(String name, String value) {
    return name + ": '" + value + "' is not a duration (examples: 500ms, 30s, 5m, 1h)";
  }

  private static Duration duration(Setting setting, String value, List<String> problems) {
    try {
      Duration duration = parseDuration(value);
      if (duration.isNegative() || duration.isZero()) {
        problems.add(describe(setting) + ": '" + value + "' must be positive");
      }
      return duration;
    } catch (DateTimeParseException | NullPointerException e) {
      problems.add(notADuration(describe(setting), value));
      return Duration.ZERO;
    }
  }

  /** A whole number of seconds, at least 0, as spec fields count them; empty is none. */
  private static Long seconds(Setting setting, String value, List<String> problems) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      long seconds = Long.parseLong(value);
      if (seconds >= 0) {
        return seconds;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.add(describe(setting) + ": '" + value + "' is not a whole number of seconds of at least 0 (e.g. 86400"
        + " for a day); leave it empty to keep finished Runs");
    return null;
  }

  private static int port(Setting setting, String value, List<String> problems) {
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException | NullPointerException e) {
      // reported below
    }
    problems.add(describe(setting) + ": '" + value + "' is not a port number (0-65535)");
    return 0;
  }

  private static boolean bool(Setting setting, String value, List<String> problems) {
    if ("true".equalsIgnoreCase(value) || "false".equalsIgnoreCase(value)) {
      return Boolean.parseBoolean(value);
    }
    problems.add(describe(setting) + ": '" + value + "' is not true or false");
    return false;
  }

  private static Set<String> namespaces(String value, List<String> problems) {
    Set<String> names = Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .collect(Collectors.toCollection(TreeSet::new));
    for (String name : names) {
      if (!DNS_LABEL.matcher(name).matches()) {
        problems.add(describe(Setting.WATCH_NAMESPACES) + ": '" + name + "' is not a valid namespace name");
      }
    }
    return Set.copyOf(names);
  }
}
