package dev.filewall.cli;

import dev.filewall.daemon.Config;
import dev.filewall.daemon.Daemon;
import dev.filewall.daemon.Enforcer;
import dev.filewall.daemon.Pins;
import dev.filewall.logstore.LogWeb;
import dev.filewall.logstore.Retention;
import dev.filewall.rules.Action;
import dev.filewall.rules.RuleFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Enforce RULES: load (or adopt) the BPF LSM programs, apply the compiled rules, and write every",
                "deny/log event to the log. Needs root and a kernel with the bpf LSM active. SIGHUP or",
                "'filewall reload' re-reads RULES. Ending this process leaves enforcement in place;",
                "'filewall stop' ends it.",
                "Settings not given as flags come from the configuration file (--config,",
                "else /etc/filewall/filewall.yaml when it exists), then from the defaults."})
final class RunCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "RULES",
            description = "rule file: .yaml/.yml, or iLocker lines (default: the configuration's rules)")
    Path rulesFile;

    @Option(names = "--format", paramLabel = "yaml|ilocker", description = "override the format the file name implies")
    String format;

    @Option(names = "--config", paramLabel = "FILE", description = "the configuration file (default /etc/filewall/filewall.yaml if it exists)")
    Path config;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", converter = AddressConverter.class,
            description = "serve GET /metrics (Prometheus) and GET /healthz here, e.g. 127.0.0.1:9464 (default: off)")
    Config.Address metrics;

    @Option(names = "--http", paramLabel = "HOST:PORT", converter = AddressConverter.class,
            description = "serve the log view, a read-only web page of the event store, here, e.g. 127.0.0.1:9465 (default: off)")
    Config.Address http;

    @Option(names = "--http-allow-remote", description = "let --http listen on an address that is not loopback: the page has no login")
    boolean httpAllowRemote;

    @Option(names = "--log", paramLabel = "FILE", defaultValue = "/var/log/filewall/filewall.log",
            description = "the iLocker-format log (default ${DEFAULT-VALUE})")
    Path log;

    @Option(names = "--json-log", paramLabel = "FILE", description = "also write every event as a JSON line here")
    Path jsonLog;

    @Option(names = "--store", paramLabel = "FILE", defaultValue = "/var/lib/filewall/events.db",
            description = "the event store that 'filewall log' searches (default ${DEFAULT-VALUE})")
    Path store;

    @Option(names = "--no-store", description = "keep no event store: events go to the CSV (and JSON) log only")
    boolean noStore;

    @Option(names = "--retain-days", paramLabel = "N", defaultValue = "30",
            description = "the store drops events older than N days; 0 keeps them (default ${DEFAULT-VALUE})")
    int retainDays;

    @Option(names = "--retain-mb", paramLabel = "N", defaultValue = "1024",
            description = "and its oldest events while it is larger than N MiB; 0: no limit (default ${DEFAULT-VALUE})")
    int retainMb;

    @Option(names = "--dry-run", arity = "0..1", paramLabel = "true|false",
            description = "deny nothing; log what would have been denied as dryrun-deny")
    boolean dryRun;

    @Option(names = "--unresolved-modify", paramLabel = "ACTION", defaultValue = "deny",
            description = "decision for a modifying operation whose path cannot be resolved or is too long (default ${DEFAULT-VALUE})")
    String unresolvedModify;

    @Option(names = "--unresolved-read", paramLabel = "ACTION", defaultValue = "log",
            description = "the same for OPEN, READ and EXEC (default ${DEFAULT-VALUE})")
    String unresolvedRead;

    @Option(names = "--table-blocks", paramLabel = "N", defaultValue = "4096",
            description = "4 KiB blocks per table slot: the largest table a reload can install (default ${DEFAULT-VALUE})")
    int tableBlocks;

    @Option(names = "--flood-window", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "identical events (same process, rule, operation and path) inside this window are counted in the"
                    + " kernel and logged once with their count; 0 logs every one (default ${DEFAULT-VALUE})")
    java.time.Duration floodWindow;

    @Option(names = "--pid-file", paramLabel = "FILE", defaultValue = "/run/filewall/filewall.pid") Path pidFile;

    static final class AddressConverter implements ITypeConverter<Config.Address> {
        @Override
        public Config.Address convert(String value) {
            try {
                return Config.Address.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        Prepared p = prepare(spec.commandLine().getErr());
        return p.options() == null ? p.exit() : new Daemon(p.options(), spec.commandLine().getOut(), spec.commandLine().getErr()).run();
    }

    /** The daemon's options, or why there are none (printed) and the exit code. */
    record Prepared(Daemon.Options options, int exit) {
        static Prepared failed(int exit) {
            return new Prepared(null, exit);
        }
    }

    /** Flags, the configuration file and the defaults, merged. */
    Prepared prepare(java.io.PrintWriter err) {
        Path configFile = config != null ? config : Files.exists(Config.DEFAULT) ? Config.DEFAULT : null;
        Config file = Config.EMPTY;
        if (configFile != null) {
            try {
                file = Config.load(configFile);
            } catch (Config.ConfigException e) {
                e.errors().forEach(err::println);
                err.println("filewall run: " + configFile + " has errors; nothing was started");
                return Prepared.failed(Main.RULES_INVALID);
            }
        }
        Path rules = rulesFile != null ? rulesFile : file.rules();
        if (rules == null) {
            err.println("filewall run: no RULES: name a rule file, or set 'rules:' in " + (configFile == null ? Config.DEFAULT : configFile));
            return Prepared.failed(Main.USAGE);
        }
        String fmt = pick("--format", format, file.rulesFormat());
        RuleFiles.Format ruleFormat = fmt == null ? null : switch (fmt.toLowerCase(java.util.Locale.ROOT)) {
            case "yaml", "yml" -> RuleFiles.Format.YAML;
            case "ilocker", "lines" -> RuleFiles.Format.ILOCKER;
            default -> null;
        };
        if (fmt != null && ruleFormat == null) {
            err.println("filewall run: --format: expected yaml or ilocker, got '" + fmt + "'");
            return Prepared.failed(Main.USAGE);
        }
        Action modify = Action.parse(unresolvedModify).orElse(null), read = Action.parse(unresolvedRead).orElse(null);
        if (modify == null || read == null) {
            err.println("filewall run: --unresolved-modify and --unresolved-read take pass, log or deny");
            return Prepared.failed(Main.USAGE);
        }
        Config.Log logs = file.log() == null ? new Config.Log(null, null) : file.log();
        Config.Unresolved unresolved = file.unresolved() == null ? new Config.Unresolved(null, null) : file.unresolved();
        var settings = new Enforcer.Settings(pick("--table-blocks", tableBlocks, file.tableBlocks()),
                Enforcer.Settings.DEFAULT.ringBytes(), pick("--dry-run", dryRun, file.dryRun()),
                pick("--unresolved-modify", modify, unresolved.modify()), pick("--unresolved-read", read, unresolved.read()),
                pick("--flood-window", floodWindow, file.floodWindowMs() == null ? null : Duration.ofMillis(file.floodWindowMs())));
        Config.Address metricsAt = pick("--metrics", metrics, file.metrics());
        Config.Address httpAt = pick("--http", http, file.http());
        if (httpAt != null) {
            if (noStore) {
                err.println("filewall run: --http serves the event store; it does not go with --no-store");
                return Prepared.failed(Main.USAGE);
            }
            try {
                LogWeb.checkAddress(httpAt.socket(), httpAllowRemote);
            } catch (IllegalArgumentException | java.io.IOException e) {
                err.println("filewall run: --http " + e.getMessage() + (e instanceof IllegalArgumentException ? " (--http-allow-remote)" : ""));
                return Prepared.failed(Main.USAGE);
            }
        }
        Config.Store stored = file.store() == null ? new Config.Store(null, null, null) : file.store();
        int days = pick("--retain-days", retainDays, stored.retentionDays()), mb = pick("--retain-mb", retainMb, stored.retentionMb());
        if (days < 0 || mb < 0) {
            err.println("filewall run: --retain-days and --retain-mb take 0 (no limit) or more");
            return Prepared.failed(Main.USAGE);
        }
        return new Prepared(new Daemon.Options(rules, ruleFormat, configFile, pick("--log", log, logs.csv()), pick("--json-log", jsonLog, logs.json()),
                pick("--pid-file", pidFile, file.pidFile()), settings, Pins.DEFAULT, metricsAt == null ? null : metricsAt.socket(),
                noStore ? null : pick("--store", store, stored.path()), new Retention(Duration.ofDays(days), (long) mb << 20),
                httpAt == null ? null : httpAt.socket(), httpAllowRemote), 0);
    }

    /** A flag given on the command line wins; else the configuration file's value, if it has one; else the flag's default. */
    private <T> T pick(String option, T flag, T fromFile) {
        return spec.commandLine().getParseResult().hasMatchedOption(option) || fromFile == null ? flag : fromFile;
    }
}
