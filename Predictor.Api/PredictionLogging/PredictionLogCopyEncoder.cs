using System.Buffers.Binary;
using System.Text;

namespace Predictor.Api.PredictionLogging;

/// <summary>
/// Encodes prediction log rows in PostgreSQL's binary COPY format for <see cref="PredictionLogWriter.Columns"/>, into
/// one buffer reused from batch to batch. Per row this is a few dozen bytes of header and plain copies of the UTF-8
/// text the request path already made; the values go out exactly as Npgsql's importer sent them (uuid in network
/// order, timestamptz as microseconds since 2000-01-01 UTC, json as its text), without a type lookup per value.
/// </summary>
/// <remarks>
/// The column types are fixed here: <c>uuid, text, integer, timestamptz, json, text, json, double precision,
/// double precision, double precision, boolean</c>. A migration that changes one must change this encoder too
/// (a test compares the two).
/// </remarks>
internal sealed class PredictionLogCopyEncoder
{
    internal static readonly string[] ColumnTypes =
        ["uuid", "text", "integer", "timestamp with time zone", "json", "text", "json", "double precision", "double precision", "double precision", "boolean"];

    private const short FieldCount = 11;
    private const long PostgresEpochTicks = 630_822_816_000_000_000; // 2000-01-01T00:00:00Z
    // "PGCOPY\n\377\r\n\0" (not a u8 literal: that would encode \377 as two UTF-8 bytes).
    private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    private byte[] _buffer = new byte[64 * 1024];
    private int _length;

    /// <summary>The COPY data of the last <see cref="Encode"/>: header, rows, trailer.</summary>
    public ReadOnlyMemory<byte> Encoded => _buffer.AsMemory(0, _length);

    public void Encode(ReadOnlySpan<PredictionLogRow> rows)
    {
        _length = 0;
        var header = Reserve(Signature.Length + 8);
        Signature.CopyTo(header);
        BinaryPrimitives.WriteInt32BigEndian(header[Signature.Length..], 0); // flags: no OIDs
        BinaryPrimitives.WriteInt32BigEndian(header[(Signature.Length + 4)..], 0); // no header extension
        _length += Signature.Length + 8;
        foreach (ref readonly var row in rows)
        {
            EncodeRow(row);
        }

        BinaryPrimitives.WriteInt16BigEndian(Reserve(2), -1);
        _length += 2;
    }

    private void EncodeRow(in PredictionLogRow row)
    {
        var modelName = row.ModelName;
        var textBytes = row.FeaturesJson.Length + row.Label.Length + row.ProbabilitiesJson.Length + Encoding.UTF8.GetMaxByteCount(modelName.Length);
        // Field count, 11 length words, fixed-size values (16 + 4 + 8 + 3 * 8 + 1), then the text.
        var span = Reserve(2 + (FieldCount * 4) + 53 + textBytes);
        var at = 0;
        BinaryPrimitives.WriteInt16BigEndian(span, FieldCount);
        at += 2;

        WriteLength(span, ref at, 16);
        row.Id.TryWriteBytes(span[at..], bigEndian: true, out _);
        at += 16;

        var nameLength = Encoding.UTF8.GetBytes(modelName, span[(at + 4)..]);
        WriteLength(span, ref at, nameLength);
        at += nameLength;

        WriteLength(span, ref at, 4);
        BinaryPrimitives.WriteInt32BigEndian(span[at..], row.ModelVersion);
        at += 4;

        WriteLength(span, ref at, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[at..], (row.CreatedAtUtcTicks - PostgresEpochTicks) / TimeSpan.TicksPerMicrosecond);
        at += 8;

        WriteText(span, ref at, row.FeaturesJson, present: true);
        WriteText(span, ref at, row.Label, row.HasLabel);
        WriteText(span, ref at, row.ProbabilitiesJson, row.HasProbabilities);
        WriteDouble(span, ref at, row.Value);
        WriteDouble(span, ref at, row.Confidence);
        WriteDouble(span, ref at, row.LatencyMs);

        WriteLength(span, ref at, 1);
        span[at++] = row.Drifted ? (byte)1 : (byte)0;

        _length += at;
    }

    private static void WriteLength(Span<byte> span, ref int at, int length)
    {
        BinaryPrimitives.WriteInt32BigEndian(span[at..], length);
        at += 4;
    }

    private static void WriteText(Span<byte> span, ref int at, ReadOnlySpan<byte> text, bool present)
    {
        if (!present)
        {
            WriteLength(span, ref at, -1);
            return;
        }

        WriteLength(span, ref at, text.Length);
        text.CopyTo(span[at..]);
        at += text.Length;
    }

    private static void WriteDouble(Span<byte> span, ref int at, double? value)
    {
        if (value is not { } number)
        {
            WriteLength(span, ref at, -1);
            return;
        }

        WriteLength(span, ref at, 8);
        BinaryPrimitives.WriteDoubleBigEndian(span[at..], number);
        at += 8;
    }

    /// <summary>Space for <paramref name="bytes"/> more bytes at the end; what is written there counts once added to <see cref="_length"/>.</summary>
    private Span<byte> Reserve(int bytes)
    {
        if (_buffer.Length - _length < bytes)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + bytes));
        }

        return _buffer.AsSpan(_length);
    }
}
