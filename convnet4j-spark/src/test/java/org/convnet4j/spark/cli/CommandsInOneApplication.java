package org.convnet4j.spark.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.convnet4j.spark.SparkSessions;

/**
 * The cluster tests' driver: several {@code convnet4j spark} commands, separated by {@code --then}, in one Spark
 * application instead of one each (one driver, ApplicationMaster and executor start instead of several). The session
 * is made as the commands make theirs ({@link #session}); each command then runs with {@link SparkMain#run}, which
 * reuses a caller's session on the same master and leaves it running. Prints {@code command N (NAME) exited with
 * CODE} for each; stops at the first that fails, stops the session and exits with its code (0 when all succeed).
 * Inside a YARN ApplicationMaster (cluster deploy mode) the last command runs through {@link SparkMain#main} as
 * spark-submit would run it there, and nothing exits: main returns, or throws when a command failed (the
 * ApplicationMaster marks an application that exits before main returns FAILED, even with 0). With the system
 * property {@code convnet4j.test.goBeforeLast=FILE} it prints {@code waiting for FILE} before the last command and
 * starts it once that file exists (a test that kills an executor during the last command notes the state first).
 */
public final class CommandsInOneApplication {
    private CommandsInOneApplication() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<List<String>> commands = commands(args);
        boolean applicationMaster = SparkMain.insideYarnApplicationMaster();
        SparkSession spark = session(commands.get(0));
        int code = 0;
        try {
            for (int n = 0; n < commands.size() && code == 0; n++) {
                String[] command = commands.get(n).toArray(String[]::new);
                String go = System.getProperty("convnet4j.test.goBeforeLast");
                if (go != null && n == commands.size() - 1) {
                    // a test that acts during the last command (kills an executor) notes the state first
                    System.out.println("waiting for " + go);
                    while (!java.nio.file.Files.exists(java.nio.file.Path.of(go))) {
                        Thread.sleep(20);
                    }
                }
                if (applicationMaster && n == commands.size() - 1) {
                    SparkMain.main(command); // returns in the ApplicationMaster; throws unless the exit code is 0
                } else {
                    code = SparkMain.run(command);
                }
                System.out.println("command " + (n + 1) + " (" + command[0] + ") exited with " + code);
            }
        } finally {
            spark.stop();
        }
        if (!applicationMaster) {
            System.exit(code);
        } else if (code != 0) {
            throw new IllegalStateException("command exit code " + code + " (the error is the line above)");
        }
    }

    /** The commands of {@code args}, separated by {@code --then}. */
    static List<List<String>> commands(String[] args) {
        List<List<String>> commands = new ArrayList<>();
        commands.add(new ArrayList<>());
        for (String a : args) {
            if (a.equals("--then")) {
                commands.add(new ArrayList<>());
            } else {
                commands.get(commands.size() - 1).add(a);
            }
        }
        return commands;
    }

    /**
     * The session {@code command} (a spark command's arguments) would make: {@link SparkSessions#start} with its
     * {@code --master} (default local[*]) and {@code --conf} settings, the logging SparkMain.run sets up first; the
     * commands run after it with the same master reuse it.
     */
    public static SparkSession session(List<String> command) {
        String master = "local[*]";
        Map<String, String> conf = new LinkedHashMap<>();
        for (int i = 0; i + 1 < command.size(); i++) {
            if (command.get(i).equals("--master")) {
                master = command.get(i + 1);
            } else if (command.get(i).equals("--conf")) {
                String[] kv = command.get(i + 1).split("=", 2);
                conf.put(kv[0], kv[1]);
            }
        }
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "org/convnet4j/spark/cli/log4j2-cli.properties");
        }
        return SparkSessions.start("convnet4j " + command.get(0), master, conf);
    }
}
