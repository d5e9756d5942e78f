var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddModelDatabase(applyMigrations: true);

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
