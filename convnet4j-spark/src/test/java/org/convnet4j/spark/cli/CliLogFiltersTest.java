package org.convnet4j.spark.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

/**
 * The spark commands' log configuration drops the lines of the race after a failed job (a task of it still writing
 * or reporting while Spark aborts it), and only those: the command's own one line is what the user reads. The
 * FileUtil line made CI's SparkCliBadPicturesTest print two lines (stop 34).
 */
class CliLogFiltersTest {
    private static Configuration cli() throws Exception {
        ConfigurationSource source = ConfigurationSource.fromResource("org/convnet4j/spark/cli/log4j2-cli.properties",
                CliLogFiltersTest.class.getClassLoader());
        Configuration c = new PropertiesConfigurationFactory().getConfiguration(new LoggerContext("cli-test"), source);
        c.initialize();
        return c;
    }

    private static boolean shown(Configuration c, String logger, String message) {
        LoggerConfig lc = c.getLoggerConfig(logger);
        LogEvent e = Log4jLogEvent.newBuilder().setLoggerName(logger).setLevel(Level.WARN)
                .setMessage(new SimpleMessage(message)).build();
        return lc.getLevel().isLessSpecificThan(Level.WARN) && !lc.isFiltered(e);
    }

    @Test
    void theAbortRaceOfAFailedWriteIsDroppedAndOtherFileUtilWarningsStay() throws Exception {
        Configuration c = cli();
        String fileUtil = "org.apache.hadoop.fs.FileUtil";
        assertFalse(shown(c, fileUtil, "Failed to delete file or dir [/tmp/junit-1/ff/.answers.parquet.tmp-p10937-1"
                + "/_temporary/0]: it still exists."));
        assertFalse(shown(c, fileUtil, "Failed to delete file or dir [/data/.out.tmp-p1-2/_temporary]: it still exists."));
        assertTrue(shown(c, fileUtil, "Failed to delete file or dir [/data/models/kept]: it still exists."));
        assertTrue(shown(c, fileUtil, "Command 'stat' failed"));
        String scheduler = "org.apache.spark.scheduler.TaskSchedulerImpl";
        assertFalse(shown(c, scheduler, "Ignoring update with state FINISHED for TID 3 because its task set is gone"));
        assertTrue(shown(c, scheduler, "Lost executor 1 on 127.0.0.1: worker lost"));
    }
}
