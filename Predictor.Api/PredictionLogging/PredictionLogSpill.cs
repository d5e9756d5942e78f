using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Predictor.Api.PredictionLogging;

/// <summary>
/// The append-only local spill: rows that could not reach PostgreSQL (or did not fit in the queue) wait here until
/// they are replayed. The folder holds segment files <c>{sequence:D12}.spill</c>; new rows always go to the newest
/// (open) segment, replay reads only closed segments (it rotates first), and a segment is deleted only after its rows
/// committed. Record format, little-endian: <c>int32 payload length | uint32 CRC-32C of payload | payload</c>. A
/// record whose header or payload is incomplete or whose checksum fails ends the segment: it is counted as torn and
/// skipped, and the records before it replay normally. Rows are flushed to the OS after every append, so a process
/// crash loses at most the record being written (an OS crash may lose more).
/// </summary>
internal sealed class PredictionLogSpill : IDisposable
{
    private const string Extension = ".spill";
    private const int HeaderSize = 8;
    private const int MaxRecordSize = 16 * 1024 * 1024;
    private const long SegmentRotateBytes = 8L * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly MemoryStream _buffer = new();
    private long _nextSequence;
    private FileStream? _current;
    private long _bytes;

    public PredictionLogSpill(string directory, long maxBytes)
    {
        _directory = directory;
        _maxBytes = maxBytes;
        Directory.CreateDirectory(directory);
        foreach (var (sequence, path) in ListSegments())
        {
            _bytes += new FileInfo(path).Length;
            _nextSequence = Math.Max(_nextSequence, sequence + 1);
        }
    }

    public string DirectoryPath => _directory;

    /// <summary>Bytes held by all segments.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public bool HasData => Bytes > 0;

    /// <summary>Appends as many of the rows as fit under the size limit, in order; returns how many were stored.</summary>
    public int Append(ReadOnlySpan<PredictionLogRow> rows)
    {
        if (rows.IsEmpty || _maxBytes == 0)
        {
            return 0;
        }

        lock (_lock)
        {
            var stored = 0;
            try
            {
                _buffer.SetLength(0);
                foreach (ref readonly var row in rows)
                {
                    var start = _buffer.Length;
                    WriteRecord(_buffer, row);
                    if (_bytes + _buffer.Length > _maxBytes)
                    {
                        _buffer.SetLength(start);
                        break;
                    }

                    stored++;
                }

                if (_buffer.Length > 0)
                {
                    var file = _current ??= OpenNewSegment();
                    file.Write(_buffer.GetBuffer(), 0, (int)_buffer.Length);
                    file.Flush();
                    Interlocked.Add(ref _bytes, _buffer.Length);
                    if (file.Length >= SegmentRotateBytes)
                    {
                        CloseCurrent();
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // A disk that refuses the write stores nothing; the caller counts the rows as dropped.
                CloseCurrent();
                return 0;
            }

            return stored;
        }
    }

    /// <summary>Closes the open segment so that every existing segment can be replayed; new rows go to a new one.</summary>
    public IReadOnlyList<string> CloseAndListSegments()
    {
        lock (_lock)
        {
            CloseCurrent();
            return [.. ListSegments().Select(segment => segment.Path)];
        }
    }

    /// <summary>Reads a closed segment's intact records; <paramref name="tornRecords"/> is 1 when it ends in a damaged record.</summary>
    public static List<PredictionLogRow> ReadSegment(string path, out int tornRecords)
    {
        var bytes = File.ReadAllBytes(path);
        var rows = new List<PredictionLogRow>();
        var offset = 0;
        tornRecords = 0;
        while (offset < bytes.Length)
        {
            if (bytes.Length - offset < HeaderSize)
            {
                tornRecords = 1;
                break;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
            var checksum = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
            if (length <= 0 || length > MaxRecordSize || length > bytes.Length - offset - HeaderSize
                || Crc32C(bytes.AsSpan(offset + HeaderSize, length)) != checksum)
            {
                tornRecords = 1;
                break;
            }

            try
            {
                rows.Add(ReadPayload(bytes.AsSpan(offset + HeaderSize, length)));
            }
            catch (Exception exception) when (exception is EndOfStreamException or FormatException or ArgumentException)
            {
                tornRecords = 1;
                break;
            }

            offset += HeaderSize + length;
        }

        return rows;
    }

    /// <summary>Deletes a segment whose rows are committed.</summary>
    public void Delete(string path)
    {
        lock (_lock)
        {
            var length = new FileInfo(path).Length;
            File.Delete(path);
            Interlocked.Add(ref _bytes, -length);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            CloseCurrent();
        }
    }

    private void CloseCurrent()
    {
        _current?.Dispose();
        _current = null;
    }

    private FileStream OpenNewSegment()
    {
        var path = Path.Combine(_directory, _nextSequence.ToString("D12", CultureInfo.InvariantCulture) + Extension);
        _nextSequence++;
        return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024);
    }

    private IEnumerable<(long Sequence, string Path)> ListSegments() =>
        Directory.EnumerateFiles(_directory, "*" + Extension)
            .Select(path => (Ok: long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence), Sequence: sequence, Path: path))
            .Where(segment => segment.Ok)
            .OrderBy(segment => segment.Sequence)
            .Select(segment => (segment.Sequence, segment.Path));

    private static void WriteRecord(MemoryStream buffer, in PredictionLogRow row)
    {
        var headerAt = buffer.Length;
        buffer.Write(stackalloc byte[HeaderSize]);
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(row.Id.ToByteArray());
            writer.Write(row.ModelName);
            writer.Write(row.ModelVersion);
            writer.Write(row.CreatedAt.UtcTicks);
            writer.Write(row.FeaturesJson);
            WriteOptional(writer, row.Label);
            WriteOptional(writer, row.ProbabilitiesJson);
            WriteOptional(writer, row.Value);
            WriteOptional(writer, row.Confidence);
            writer.Write(row.LatencyMs);
            writer.Write(row.Drifted);
        }

        var payloadLength = (int)(buffer.Length - headerAt - HeaderSize);
        var all = buffer.GetBuffer();
        BinaryPrimitives.WriteInt32LittleEndian(all.AsSpan((int)headerAt), payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(all.AsSpan((int)headerAt + 4), Crc32C(all.AsSpan((int)headerAt + HeaderSize, payloadLength)));
    }

    private static PredictionLogRow ReadPayload(ReadOnlySpan<byte> payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload.ToArray()), Encoding.UTF8);
        return new PredictionLogRow(
            Id: new Guid(reader.ReadBytes(16)),
            ModelName: reader.ReadString(),
            ModelVersion: reader.ReadInt32(),
            CreatedAt: new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero),
            FeaturesJson: reader.ReadString(),
            Label: reader.ReadBoolean() ? reader.ReadString() : null,
            ProbabilitiesJson: reader.ReadBoolean() ? reader.ReadString() : null,
            Value: reader.ReadBoolean() ? reader.ReadDouble() : null,
            Confidence: reader.ReadBoolean() ? reader.ReadDouble() : null,
            LatencyMs: reader.ReadDouble(),
            Drifted: reader.ReadBoolean());
    }

    private static void WriteOptional(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        if (value is not null)
        {
            writer.Write(value);
        }
    }

    private static void WriteOptional(BinaryWriter writer, double? value)
    {
        writer.Write(value.HasValue);
        if (value.HasValue)
        {
            writer.Write(value.Value);
        }
    }

    internal static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
