extern alias predictor;

using Monitoring.Data.Registry;
using Onnx.Export;
using Onnx.Runtime;
using predictor::Predictor.Api.Serving;

namespace Monitoring.IntegrationTests.Serving;

/// <summary>The swap itself, step by step: a replaced model lives until the last request holding it lets go.</summary>
public class ModelCatalogTests
{
    private static readonly byte[] s_model = ModelExporter.LinearRegression(new float[,] { { 1f } }, [0f]).ToByteArray();

    [Fact]
    public void A_replaced_model_keeps_its_session_until_its_last_lease_is_released()
    {
        using var catalog = new ModelCatalog();
        catalog.Install(Served(version: 1));
        var inFlight = catalog.Acquire("m")!;

        catalog.Install(Served(version: 2));

        Assert.Equal(2, catalog.VersionOf("m"));
        Assert.Equal(4.0, Assert.Single(inFlight.Predict([[FeatureValue.Of(4)]])).Value);
        inFlight.Release();
        Assert.Throws<ObjectDisposedException>(() => inFlight.Session.Run(("input", OnnxTensor.Create(new float[] { 1f }, 1, 1))));
    }

    [Fact]
    public void A_retired_model_gives_no_new_leases_and_the_catalog_hands_out_its_successor()
    {
        using var catalog = new ModelCatalog();
        var first = Served(version: 1);
        catalog.Install(first);
        catalog.Install(Served(version: 2));

        Assert.False(first.TryAcquire());
        var current = catalog.Acquire("m")!;
        Assert.Equal(2, current.Version);
        current.Release();
        Assert.Null(catalog.Acquire("other"));
    }

    private static ServedModel Served(int version) => new("m", version, ModelTask.Regression, schema: null, "linear", s_model);
}
