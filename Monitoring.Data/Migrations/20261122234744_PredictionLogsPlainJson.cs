using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Monitoring.Data.Migrations
{
    /// <inheritdoc />
    public partial class PredictionLogsPlainJson : Migration
    {
        // low_confidence_predictions selects both columns: PostgreSQL alters a column's type only with no view on it.
        private const string LowConfidenceView = """
            CREATE VIEW low_confidence_predictions AS
            SELECT id, model_name, model_version, created_at, label, confidence, probabilities, features
            FROM prediction_logs
            WHERE confidence < 0.6;
            """;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP VIEW IF EXISTS low_confidence_predictions;");
            migrationBuilder.AlterColumn<string>(
                name: "probabilities",
                table: "prediction_logs",
                type: "json",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "jsonb",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "features",
                table: "prediction_logs",
                type: "json",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "jsonb");

            migrationBuilder.Sql(LowConfidenceView);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP VIEW IF EXISTS low_confidence_predictions;");
            migrationBuilder.AlterColumn<string>(
                name: "probabilities",
                table: "prediction_logs",
                type: "jsonb",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "json",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "features",
                table: "prediction_logs",
                type: "jsonb",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "json");

            migrationBuilder.Sql(LowConfidenceView);
        }
    }
}
