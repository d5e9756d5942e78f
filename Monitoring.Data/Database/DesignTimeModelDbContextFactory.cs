using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Monitoring.Data.Database;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running service or a database.</summary>
internal sealed class DesignTimeModelDbContextFactory : IDesignTimeDbContextFactory<ModelDbContext>
{
    public ModelDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ModelDbContext>().UseNpgsql("Host=localhost;Database=modeldb").Options);
}
