using Predictor.Api.Apis;
using Predictor.Api.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddModelDatabase(applyMigrations: true);
builder.AddPredictionLogging();
builder.AddPredictorServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapRegistryApi();
app.MapPredictApi();
app.MapInferenceProtocolApi();

app.Run();
