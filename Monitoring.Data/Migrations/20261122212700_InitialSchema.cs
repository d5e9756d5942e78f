using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Monitoring.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "drift_events",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    model_name = table.Column<string>(type: "text", nullable: false),
                    model_version = table.Column<int>(type: "integer", nullable: false),
                    detector = table.Column<string>(type: "text", nullable: false),
                    severity = table.Column<string>(type: "text", nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    details = table.Column<string>(type: "jsonb", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_drift_events", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "drift_reports",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    model_name = table.Column<string>(type: "text", nullable: false),
                    model_version = table.Column<int>(type: "integer", nullable: false),
                    window_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    window_end = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    sample_count = table.Column<long>(type: "bigint", nullable: false),
                    dataset_drift = table.Column<bool>(type: "boolean", nullable: false),
                    drift_share = table.Column<double>(type: "double precision", nullable: false),
                    prediction_drift = table.Column<bool>(type: "boolean", nullable: false),
                    details = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_drift_reports", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "feature_bin_counts",
                columns: table => new
                {
                    model_name = table.Column<string>(type: "text", nullable: false),
                    model_version = table.Column<int>(type: "integer", nullable: false),
                    feature = table.Column<string>(type: "text", nullable: false),
                    minute = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    counts = table.Column<long[]>(type: "bigint[]", nullable: false),
                    missing = table.Column<long>(type: "bigint", nullable: false),
                    out_of_range = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_feature_bin_counts", x => new { x.model_name, x.model_version, x.feature, x.minute });
                });

            migrationBuilder.CreateTable(
                name: "feedback",
                columns: table => new
                {
                    prediction_id = table.Column<Guid>(type: "uuid", nullable: false),
                    model_name = table.Column<string>(type: "text", nullable: false),
                    model_version = table.Column<int>(type: "integer", nullable: false),
                    actual_label = table.Column<string>(type: "text", nullable: true),
                    actual_value = table.Column<double>(type: "double precision", nullable: true),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_feedback", x => x.prediction_id);
                });

            migrationBuilder.CreateTable(
                name: "models",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "text", nullable: false),
                    task = table.Column<string>(type: "text", nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_models", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "monitoring_alerts",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    fingerprint = table.Column<string>(type: "text", nullable: false),
                    alert_name = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    severity = table.Column<string>(type: "text", nullable: true),
                    model_name = table.Column<string>(type: "text", nullable: true),
                    labels = table.Column<string>(type: "jsonb", nullable: false),
                    annotations = table.Column<string>(type: "jsonb", nullable: false),
                    starts_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ends_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_monitoring_alerts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "prediction_logs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    model_name = table.Column<string>(type: "text", nullable: false),
                    model_version = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    features = table.Column<string>(type: "jsonb", nullable: false),
                    label = table.Column<string>(type: "text", nullable: true),
                    probabilities = table.Column<string>(type: "jsonb", nullable: true),
                    value = table.Column<double>(type: "double precision", nullable: true),
                    confidence = table.Column<double>(type: "double precision", nullable: true),
                    latency_ms = table.Column<double>(type: "double precision", nullable: false),
                    drifted = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_prediction_logs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "training_jobs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    model_name = table.Column<string>(type: "text", nullable: false),
                    trigger = table.Column<string>(type: "text", nullable: false),
                    reason = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    max_attempts = table.Column<int>(type: "integer", nullable: false),
                    not_before = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    lease_owner = table.Column<string>(type: "text", nullable: true),
                    lease_expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    result_version = table.Column<int>(type: "integer", nullable: true),
                    error = table.Column<string>(type: "text", nullable: true),
                    details = table.Column<string>(type: "jsonb", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_training_jobs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "model_versions",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    model_id = table.Column<int>(type: "integer", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    stage = table.Column<string>(type: "text", nullable: false),
                    sha256 = table.Column<string>(type: "text", nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    feature_schema = table.Column<string>(type: "jsonb", nullable: false),
                    algorithm = table.Column<string>(type: "text", nullable: false),
                    source = table.Column<string>(type: "text", nullable: false),
                    parameters = table.Column<string>(type: "jsonb", nullable: false),
                    metrics = table.Column<string>(type: "jsonb", nullable: false),
                    reference_profile = table.Column<string>(type: "jsonb", nullable: true),
                    training_job_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    promoted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    archived_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_versions", x => x.id);
                    table.ForeignKey(
                        name: "fk_model_versions_models_model_id",
                        column: x => x.model_id,
                        principalTable: "models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "model_artifacts",
                columns: table => new
                {
                    model_version_id = table.Column<long>(type: "bigint", nullable: false),
                    onnx = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_artifacts", x => x.model_version_id);
                    table.ForeignKey(
                        name: "fk_model_artifacts_model_versions_model_version_id",
                        column: x => x.model_version_id,
                        principalTable: "model_versions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_drift_events_model_name_occurred_at",
                table: "drift_events",
                columns: new[] { "model_name", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "ix_drift_reports_model_name_created_at",
                table: "drift_reports",
                columns: new[] { "model_name", "created_at" },
                descending: new[] { false, true });

            migrationBuilder.CreateIndex(
                name: "ix_feature_bin_counts_minute",
                table: "feature_bin_counts",
                column: "minute")
                .Annotation("Npgsql:IndexMethod", "brin");

            migrationBuilder.CreateIndex(
                name: "ix_feedback_model_name_received_at",
                table: "feedback",
                columns: new[] { "model_name", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_model_versions_model_id_version",
                table: "model_versions",
                columns: new[] { "model_id", "version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_model_versions_one_champion",
                table: "model_versions",
                column: "model_id",
                unique: true,
                filter: "stage = 'champion'");

            migrationBuilder.CreateIndex(
                name: "ix_models_name",
                table: "models",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_monitoring_alerts_fingerprint_starts_at",
                table: "monitoring_alerts",
                columns: new[] { "fingerprint", "starts_at" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_monitoring_alerts_received_at",
                table: "monitoring_alerts",
                column: "received_at");

            migrationBuilder.CreateIndex(
                name: "ix_prediction_logs_created_at_brin",
                table: "prediction_logs",
                column: "created_at")
                .Annotation("Npgsql:IndexMethod", "brin");

            migrationBuilder.CreateIndex(
                name: "ix_training_jobs_model_name_created_at",
                table: "training_jobs",
                columns: new[] { "model_name", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_training_jobs_status_not_before",
                table: "training_jobs",
                columns: new[] { "status", "not_before" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "drift_events");

            migrationBuilder.DropTable(
                name: "drift_reports");

            migrationBuilder.DropTable(
                name: "feature_bin_counts");

            migrationBuilder.DropTable(
                name: "feedback");

            migrationBuilder.DropTable(
                name: "model_artifacts");

            migrationBuilder.DropTable(
                name: "monitoring_alerts");

            migrationBuilder.DropTable(
                name: "prediction_logs");

            migrationBuilder.DropTable(
                name: "training_jobs");

            migrationBuilder.DropTable(
                name: "model_versions");

            migrationBuilder.DropTable(
                name: "models");
        }
    }
}
