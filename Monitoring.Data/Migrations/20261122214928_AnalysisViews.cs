using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Monitoring.Data.Migrations
{
    /// <summary>
    /// Views for the questions people ask of the prediction log by hand (docs/data-model.md has example queries).
    /// Low confidence means below 0.6, the same line the mean-confidence alert draws.
    /// </summary>
    public partial class AnalysisViews : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE VIEW prediction_summary_24h AS
                SELECT model_name,
                       model_version,
                       count(*)                                    AS predictions,
                       avg(confidence)                             AS mean_confidence,
                       count(*) FILTER (WHERE confidence < 0.6)    AS low_confidence,
                       count(*) FILTER (WHERE drifted)             AS drifted,
                       avg(latency_ms)                             AS mean_latency_ms,
                       min(created_at)                             AS first_at,
                       max(created_at)                             AS last_at
                FROM prediction_logs
                WHERE created_at >= now() - interval '24 hours'
                GROUP BY model_name, model_version;
                """);
            migrationBuilder.Sql("""
                CREATE VIEW low_confidence_predictions AS
                SELECT id, model_name, model_version, created_at, label, confidence, probabilities, features
                FROM prediction_logs
                WHERE confidence < 0.6;
                """);
            migrationBuilder.Sql("""
                CREATE VIEW prediction_hourly_trends AS
                SELECT model_name,
                       date_trunc('hour', created_at)                                  AS hour,
                       count(*)                                                        AS predictions,
                       avg(confidence)                                                 AS mean_confidence,
                       avg(value)                                                      AS mean_value,
                       avg(CASE WHEN drifted THEN 1.0 ELSE 0.0 END)                    AS drifted_ratio,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)        AS p95_latency_ms
                FROM prediction_logs
                GROUP BY model_name, date_trunc('hour', created_at);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP VIEW IF EXISTS prediction_hourly_trends;");
            migrationBuilder.Sql("DROP VIEW IF EXISTS low_confidence_predictions;");
            migrationBuilder.Sql("DROP VIEW IF EXISTS prediction_summary_24h;");
        }
    }
}
