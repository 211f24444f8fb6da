package dev.kfp.operator;

import dev.kfp.operator.config.UnknownName;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * Picks a jar's command from the first argument and runs it; answers {@code --help} with one line per command and
 * a mistyped command with the nearest name.
 */
public final class Launcher {

  /** What a command runs: the arguments after its name in, the process's exit code out. */
  @FunctionalInterface
  public interface Body {
    int run(String[] args) throws Exception;
  }

  /** One command of the jar, with its line in {@code --help}. */
  public record Command(String name, String summary, Body body) {}

  private final String jar;
  private final List<Command> commands;
  private final Command byDefault;
  private final List<String> elsewhere;
  private final String elsewhereHint;

  /**
   * @param byDefault what runs without a command name (and with flags but no name), or null to ask for one
   * @param elsewhere commands of another jar, answered with {@code elsewhereHint} instead of "unknown"
   * @param elsewhereHint where they are: "in ... jar: java -jar JAR", to which the command name is appended
   */
  public Launcher(String jar, List<Command> commands, Command byDefault, List<String> elsewhere,
      String elsewhereHint) {
    this.jar = jar;
    this.commands = List.copyOf(commands);
    this.byDefault = byDefault;
    this.elsewhere = List.copyOf(elsewhere);
    this.elsewhereHint = elsewhereHint;
  }

  /** Runs the command the arguments name and returns the exit code: 2 for a command line that names none. */
  public int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length > 0 && List.of("--help", "-h", "help").contains(args[0])) {
      out.print(help());
      return 0;
    }
    boolean named = args.length > 0 && !args[0].startsWith("-");
    if (!named && byDefault == null) {
      err.print(help());
      return 2;
    }
    Command command = named ? find(args[0]) : byDefault;
    if (command == null) {
      if (elsewhere.contains(args[0])) {
        err.println("'" + args[0] + "' is " + elsewhereHint + " " + args[0]);
      } else {
        err.println(UnknownName.message("command", args[0], commands.stream().map(Command::name).toList())
            + " (" + jar + " --help lists the commands)");
      }
      return 2;
    }
    String[] rest = named ? Arrays.copyOfRange(args, 1, args.length) : args;
    try {
      return command.body().run(rest);
    } catch (Exception e) {
      // An error no command turned into a message: a defect, so the trace is worth its lines.
      err.println(command.name() + " failed: " + e);
      e.printStackTrace(err);
      return 1;
    }
  }

  /** The usage line, one line per command, and where the other commands are. */
  public String help() {
    StringBuilder help = new StringBuilder("usage: java -jar " + jar + " "
        + (byDefault == null ? "COMMAND" : "[COMMAND]") + " [FLAGS]; COMMAND --help lists its flags\n");
    for (Command command : commands) {
      help.append(String.format("  %-10s %s%s%n", command.name(), command == byDefault ? "(default) " : "",
          command.summary()));
    }
    if (!elsewhere.isEmpty()) {
      help.append(String.join(", ", elsewhere)).append(": ").append(elsewhereHint).append(" --help\n");
    }
    return help.toString();
  }

  private Command find(String name) {
    return commands.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
  }
}
