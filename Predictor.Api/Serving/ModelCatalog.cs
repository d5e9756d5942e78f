using System.Collections.Immutable;

namespace Predictor.Api.Serving;

/// <summary>
/// The models this replica serves, one champion per name. Readers take a lease on the model they got; a swap
/// replaces the entry atomically and retires the old model, which is disposed when its last lease ends.
/// </summary>
public sealed class ModelCatalog : IDisposable
{
    private ImmutableDictionary<string, ServedModel> _models = ImmutableDictionary.Create<string, ServedModel>(StringComparer.Ordinal);
    private ImmutableHashSet<string> _failed = ImmutableHashSet.Create<string>(StringComparer.Ordinal);
    private volatile bool _loaded;

    /// <summary>True once the champions present at start have been loaded.</summary>
    public bool IsLoaded => _loaded;

    public IReadOnlyCollection<ServedModel> Models => _models.Values.ToList();

    public int Count => _models.Count;

    /// <summary>Models whose champion could not be loaded and that have no other version in service.</summary>
    public IReadOnlyCollection<string> Unloaded => _failed.Where(name => !_models.ContainsKey(name)).ToList();

    /// <summary>Records that the champion of <paramref name="name"/> failed to load.</summary>
    public void MarkFailed(string name) => ImmutableInterlocked.Update(ref _failed, set => set.Add(name));

    /// <summary>The served model of <paramref name="name"/> with a lease the caller must release, or null.</summary>
    public ServedModel? Acquire(string name)
    {
        while (_models.TryGetValue(name, out var model))
        {
            if (model.TryAcquire())
            {
                return model;
            }

            // Retired between the lookup and the lease: the new model is already in the catalog.
        }

        return null;
    }

    /// <summary>The version of <paramref name="name"/> being served, or null.</summary>
    public int? VersionOf(string name) => _models.TryGetValue(name, out var model) ? model.Version : null;

    /// <summary>Serves <paramref name="model"/> from now on; the model it replaces drains and is disposed.</summary>
    public void Install(ServedModel model)
    {
        ImmutableInterlocked.Update(ref _failed, set => set.Remove(model.Name));
        ServedModel? replaced = null;
        ImmutableInterlocked.AddOrUpdate(ref _models, model.Name, model, (_, existing) =>
        {
            replaced = existing;
            return model;
        });
        replaced?.Dispose();
    }

    internal void MarkLoaded() => _loaded = true;

    public void Dispose()
    {
        var models = Interlocked.Exchange(ref _models, _models.Clear());
        foreach (var model in models.Values)
        {
            model.Dispose();
        }
    }
}
