using System.Collections;

namespace Onnx.Runtime;

/// <summary>The outputs of one run, in the order they were requested, addressable by name.</summary>
public sealed class RunResult : IReadOnlyList<OnnxValue>
{
    private readonly string[] _names;
    private readonly OnnxValue[] _values;

    internal RunResult(string[] names, OnnxValue[] values)
    {
        _names = names;
        _values = values;
    }

    public IReadOnlyList<string> Names => _names;

    public int Count => _values.Length;

    public OnnxValue this[int index] => _values[index];

    public OnnxValue this[string name]
    {
        get
        {
            int index = Array.IndexOf(_names, name);
            return index >= 0 ? _values[index] : throw new KeyNotFoundException($"No output named '{name}' was produced.");
        }
    }

    /// <summary>The named output, which must be a tensor.</summary>
    public OnnxTensor GetTensor(string name) =>
        this[name] as OnnxTensor ?? throw new InvalidOperationException($"Output '{name}' is a {this[name].ValueType}, not a tensor.");

    /// <summary>The named output, which must be a sequence (for example ZipMap's sequence of maps).</summary>
    public OnnxSequence GetSequence(string name) =>
        this[name] as OnnxSequence ?? throw new InvalidOperationException($"Output '{name}' is a {this[name].ValueType}, not a sequence.");

    public IEnumerator<OnnxValue> GetEnumerator() => ((IEnumerable<OnnxValue>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
