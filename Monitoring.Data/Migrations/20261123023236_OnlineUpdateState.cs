using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Monitoring.Data.Migrations
{
    /// <inheritdoc />
    public partial class OnlineUpdateState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "online_update_state",
                columns: table => new
                {
                    model_name = table.Column<string>(type: "text", nullable: false),
                    champion_version = table.Column<int>(type: "integer", nullable: false),
                    watermark_received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    watermark_prediction_id = table.Column<Guid>(type: "uuid", nullable: false),
                    applied_updates = table.Column<long>(type: "bigint", nullable: false),
                    last_candidate_version = table.Column<int>(type: "integer", nullable: true),
                    last_decision = table.Column<string>(type: "jsonb", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_online_update_state", x => x.model_name);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "online_update_state");
        }
    }
}
