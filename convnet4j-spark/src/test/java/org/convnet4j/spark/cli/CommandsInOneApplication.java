package org.convnet4j.spark.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.spark.SparkSessions;

/**
 * YarnClusterIT's client-mode driver: several {@code convnet4j spark} commands, separated by {@code --then}, in one
 * Spark application instead of one each (one ApplicationMaster and executor start instead of several). The session
 * is made as the commands make theirs, {@link SparkSessions#start} with the first command's {@code --master} and
 * {@code --conf} settings; each command then runs with {@link SparkMain#run}, which reuses a caller's session on the
 * same master and leaves it running. Prints {@code command N (NAME) exited with CODE} for each; stops at the first
 * that fails and exits with its code (0 when all succeed), after stopping the session.
 */
public final class CommandsInOneApplication {
    private CommandsInOneApplication() {
    }

    public static void main(String[] args) {
        List<List<String>> commands = new ArrayList<>();
        commands.add(new ArrayList<>());
        for (String a : args) {
            if (a.equals("--then")) {
                commands.add(new ArrayList<>());
            } else {
                commands.get(commands.size() - 1).add(a);
            }
        }
        List<String> first = commands.get(0);
        String master = "local[*]";
        Map<String, String> conf = new LinkedHashMap<>();
        for (int i = 0; i + 1 < first.size(); i++) {
            if (first.get(i).equals("--master")) {
                master = first.get(i + 1);
            } else if (first.get(i).equals("--conf")) {
                String[] kv = first.get(i + 1).split("=", 2);
                conf.put(kv[0], kv[1]);
            }
        }
        // the logging SparkMain.run sets up, before the session is made here
        System.setProperty("log4j2.configurationFile", "org/convnet4j/spark/cli/log4j2-cli.properties");
        SparkSession spark = SparkSessions.start("convnet4j " + first.get(0), master, conf);
        int code = 0;
        try {
            for (int n = 0; n < commands.size() && code == 0; n++) {
                code = SparkMain.run(commands.get(n).toArray(String[]::new));
                System.out.println("command " + (n + 1) + " (" + commands.get(n).get(0) + ") exited with " + code);
            }
        } finally {
            spark.stop();
        }
        System.exit(code);
    }
}
