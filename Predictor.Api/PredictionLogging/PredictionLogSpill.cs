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

    /// <remarks>
    /// The payload is what <see cref="BinaryWriter"/> made of the row when its text columns were strings (strings are a
    /// 7-bit encoded byte length and UTF-8), so segments spilled by earlier versions replay unchanged.
    /// </remarks>
    private static void WriteRecord(MemoryStream buffer, in PredictionLogRow row)
    {
        var headerAt = buffer.Length;
        buffer.Write(stackalloc byte[HeaderSize]);
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            Span<byte> id = stackalloc byte[16];
            row.Id.TryWriteBytes(id);
            writer.Write(id);
            writer.Write(row.ModelName);
            writer.Write(row.ModelVersion);
            writer.Write(row.CreatedAtUtcTicks);
            WriteText(writer, row.FeaturesJson);
            WriteOptional(writer, row.Label, row.HasLabel);
            WriteOptional(writer, row.ProbabilitiesJson, row.HasProbabilities);
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
        var reader = new PayloadReader(payload);
        var id = new Guid(reader.Bytes(16));
        var modelName = Encoding.UTF8.GetString(reader.Text());
        var modelVersion = BinaryPrimitives.ReadInt32LittleEndian(reader.Bytes(4));
        var createdAt = BinaryPrimitives.ReadInt64LittleEndian(reader.Bytes(8));
        var features = reader.Text();
        var hasLabel = reader.Boolean();
        var label = hasLabel ? reader.Text() : default;
        var hasProbabilities = reader.Boolean();
        var probabilities = hasProbabilities ? reader.Text() : default;
        double? value = reader.Boolean() ? reader.Double() : null;
        double? confidence = reader.Boolean() ? reader.Double() : null;
        var latencyMs = reader.Double();
        var drifted = reader.Boolean();
        return PredictionLogRow.FromStored(id, modelName, modelVersion, createdAt, features, label, hasLabel, probabilities, hasProbabilities, value, confidence, latencyMs, drifted);
    }

    private static void WriteText(BinaryWriter writer, ReadOnlySpan<byte> utf8)
    {
        writer.Write7BitEncodedInt(utf8.Length);
        writer.Write(utf8);
    }

    private static void WriteOptional(BinaryWriter writer, ReadOnlySpan<byte> utf8, bool present)
    {
        writer.Write(present);
        if (present)
        {
            WriteText(writer, utf8);
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

    /// <summary>Reads a payload as <see cref="BinaryReader"/> would, without copying it; a short payload throws <see cref="EndOfStreamException"/>.</summary>
    private ref struct PayloadReader(ReadOnlySpan<byte> payload)
    {
        private readonly ReadOnlySpan<byte> _payload = payload;
        private int _at;

        public ReadOnlySpan<byte> Bytes(int count)
        {
            if (count < 0 || count > _payload.Length - _at)
            {
                throw new EndOfStreamException();
            }

            var bytes = _payload.Slice(_at, count);
            _at += count;
            return bytes;
        }

        public bool Boolean() => Bytes(1)[0] != 0;

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Bytes(8));

        /// <summary>A string as <see cref="BinaryWriter.Write(string)"/> writes it: 7-bit encoded byte length, then UTF-8.</summary>
        public ReadOnlySpan<byte> Text()
        {
            var length = 0;
            for (var shift = 0; ; shift += 7)
            {
                if (shift > 28)
                {
                    throw new FormatException("Bad 7-bit encoded length in a spill record.");
                }

                var b = Bytes(1)[0];
                length |= (b & 0x7F) << shift;
                if (b < 0x80)
                {
                    break;
                }
            }

            return Bytes(length);
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
