using Drift.Service.Alerts;
using Drift.Service.Apis;
using Drift.Service.Feedback;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddModelDatabase();
builder.AddDriftServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapFeedbackApi();
app.MapDriftApi();
app.MapAlertsApi();

app.Run();
