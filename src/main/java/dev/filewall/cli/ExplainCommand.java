package dev.filewall.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.filewall.rules.Decision;
import dev.filewall.rules.LineFormat;
import dev.filewall.rules.Operation;
import dev.filewall.rules.Query;
import dev.filewall.rules.Rule;
import dev.filewall.rules.RuleSet;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Show which rule decides an operation, and the action.",
                "With --batch, read one JSON query per line, e.g.",
                "  {\"uid\":0,\"exe\":\"/usr/bin/rm\",\"cmdline\":\"rm x\",\"op\":\"UNLINK\",\"path\":\"/usr/lib/x\",\"path2\":null}",
                "(a missing key means empty, uid 0, no second path) and print one JSON decision per line",
                "in the same order: {\"rule\":0,\"line\":3,\"action\":\"pass\"}, rule null when the default decided,",
                "or {\"error\":\"...\"} for a query that is not valid."})
final class ExplainCommand implements Callable<Integer> {
    @Mixin RulesOption rules;
    @Spec CommandSpec spec;

    @Option(names = "--uid", paramLabel = "N", description = "the process's fsuid") Long uid;
    @Option(names = "--exe", paramLabel = "PATH", description = "the program file") String exe;
    @Option(names = "--cmdline", paramLabel = "S", defaultValue = "", description = "argv joined by spaces") String cmdline;
    @Option(names = "--op", paramLabel = "OP", description = "OPEN, READ, WRITE, CREATE, ... (see README)") String op;
    @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", description = "the file operated on") String path;
    @Parameters(index = "2", arity = "0..1", paramLabel = "PATH2", description = "the second path of RENAME or LINK") String path2;

    @Option(names = "--batch", paramLabel = "FILE", description = "JSON queries, one per line ('-' for stdin)")
    String batch;

    @Option(names = "--json", description = "print the decision as JSON") boolean json;

    enum EngineName { reference, kernel }

    @Option(names = "--engine", paramLabel = "reference|kernel", defaultValue = "reference",
            description = "who decides: the reference evaluator, or this machine's kernel through the BPF harness (root)")
    EngineName engineName;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        boolean single = uid != null || exe != null || op != null || path != null;
        if (single == (batch != null) || single && (uid == null || exe == null || op == null || path == null)) {
            err.println("filewall explain: give either --uid N --exe PATH --op OP PATH [PATH2], or --batch FILE");
            return Main.USAGE;
        }
        RuleSet set = rules.load(err);
        if (set == null) return Main.RULES_INVALID;
        Engine engine = engineName == EngineName.kernel ? Engine.kernel(set) : Engine.reference(set);
        if (batch != null) return batch(set, engine, out);
        Operation operation = Operation.parse(op).filter(Operation::inRules).orElse(null);
        if (operation == null) {
            err.println("filewall explain: unknown operation '" + op + "'");
            return Main.USAGE;
        }
        Query q;
        try {
            q = Query.of(uid, exe, cmdline, operation, path, path2);
        } catch (IllegalArgumentException e) {
            err.println("filewall explain: " + e.getMessage());
            return Main.USAGE;
        }
        Decision d = engine.decide(List.of(q)).getFirst();
        if (json) out.println(JSON.writeValueAsString(toJson(set, d)));
        else out.println(describe(set, d));
        out.flush();
        return 0;
    }

    private int batch(RuleSet set, Engine engine, PrintWriter out) throws IOException {
        List<Object> parsed = new ArrayList<>(); // Query, or String error
        try (BufferedReader in = batch.equals("-") ? new BufferedReader(new java.io.InputStreamReader(System.in))
                : Files.newBufferedReader(Path.of(batch))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                parsed.add(parseQuery(line));
            }
        }
        List<Query> queries = parsed.stream().filter(Query.class::isInstance).map(Query.class::cast).toList();
        List<Decision> decisions = engine.decide(queries);
        int next = 0;
        for (Object p : parsed) {
            JsonNode node = p instanceof String e ? JSON.createObjectNode().put("error", e) : toJson(set, decisions.get(next++));
            out.println(JSON.writeValueAsString(node));
        }
        out.flush();
        return 0;
    }

    static Object parseQuery(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            if (!n.isObject()) return "expected a JSON object";
            String opText = n.path("op").asText("");
            Operation op = Operation.parse(opText).filter(Operation::inRules).orElse(null);
            if (op == null) return "unknown or missing op '" + opText + "'";
            JsonNode uid = n.path("uid");
            if (!uid.isMissingNode() && !uid.canConvertToLong()) return "uid must be a number";
            JsonNode p2 = n.path("path2");
            return Query.of(uid.isMissingNode() ? 0 : uid.asLong(), n.path("exe").asText(""), n.path("cmdline").asText(""),
                    op, n.path("path").asText(""), p2.isMissingNode() || p2.isNull() ? null : p2.asText());
        } catch (IOException | IllegalArgumentException e) {
            return e.getMessage().lines().findFirst().orElse("bad query");
        }
    }

    static ObjectNode toJson(RuleSet set, Decision d) {
        ObjectNode o = JSON.createObjectNode();
        if (d.rule() < 0) {
            o.putNull("rule");
            o.putNull("line");
        } else {
            Rule r = set.rules().get(d.rule());
            o.put("rule", d.rule());
            o.put("line", r.line());
            if (r.name() != null) o.put("name", r.name());
        }
        o.put("action", d.action().word());
        return o;
    }

    static String describe(RuleSet set, Decision d) {
        if (d.rule() < 0) return d.action().word() + ": no rule matched, default_action decided";
        Rule r = set.rules().get(d.rule());
        return d.action().word() + ": rule " + d.rule() + (r.name() == null ? "" : " \"" + r.name() + "\"")
                + " (line " + r.line() + "): " + LineFormat.print(r);
    }
}
