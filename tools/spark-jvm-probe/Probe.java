import org.apache.spark.sql.SparkSession;

/** One Spark JVM's start and a tiny job: a local[1] session, range(1000) summed, stopped (docs/SPARK.md, "Test time"). */
public class Probe {
    public static void main(String[] args) {
        SparkSession s = SparkSession.builder().master("local[1]").appName("probe").config("spark.ui.enabled", "false")
                .getOrCreate();
        System.out.println(s.range(1000).selectExpr("sum(id)").collectAsList());
        s.stop();
    }
}
