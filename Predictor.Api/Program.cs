var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddModelDatabase();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
