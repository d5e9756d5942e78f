using System.Text;

namespace Monitoring.Data.Csv;

/// <summary>
/// Reads RFC 4180 records from text, a buffer at a time: fields split by a delimiter, records by CRLF, LF or CR,
/// double-quoted fields may hold delimiters, line breaks and doubled quotes. Blank lines are skipped.
/// </summary>
public sealed class CsvRecordReader(TextReader reader, char delimiter = ',')
{
    private readonly char[] _buffer = new char[64 * 1024];
    private readonly StringBuilder _field = new();
    private int _position;
    private int _length;
    private bool _endOfText;
    private long _line = 1;

    /// <summary>The 1-based line on which the current record starts.</summary>
    public long RecordLine { get; private set; }

    /// <summary>Reads the next record into <paramref name="fields"/> (value, was it quoted); false at the end.</summary>
    public async ValueTask<bool> ReadAsync(List<(string Value, bool Quoted)> fields, CancellationToken cancellationToken)
    {
        fields.Clear();
        while (true)
        {
            // Skip blank lines between records.
            if (!await EnsureAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            var c = _buffer[_position];
            if (c is '\r' or '\n')
            {
                await ConsumeLineBreakAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            break;
        }

        RecordLine = _line;
        while (true)
        {
            var (value, quoted, endOfRecord) = await ReadFieldAsync(cancellationToken).ConfigureAwait(false);
            fields.Add((value, quoted));
            if (endOfRecord)
            {
                return true;
            }
        }
    }

    private async ValueTask<(string Value, bool Quoted, bool EndOfRecord)> ReadFieldAsync(CancellationToken cancellationToken)
    {
        _field.Clear();
        if (await EnsureAsync(cancellationToken).ConfigureAwait(false) && _buffer[_position] == '"')
        {
            _position++;
            return await ReadQuotedFieldAsync(cancellationToken).ConfigureAwait(false);
        }

        while (await EnsureAsync(cancellationToken).ConfigureAwait(false))
        {
            // Copy the run up to the next delimiter, quote or line break in one go.
            var span = _buffer.AsSpan(_position, _length - _position);
            var stop = span.IndexOfAny(delimiter, '\r', '\n');
            if (stop < 0)
            {
                _field.Append(span);
                _position = _length;
                continue;
            }

            _field.Append(span[..stop]);
            _position += stop;
            if (_buffer[_position] == delimiter)
            {
                _position++;
                return (_field.ToString(), false, false);
            }

            await ConsumeLineBreakAsync(cancellationToken).ConfigureAwait(false);
            return (_field.ToString(), false, true);
        }

        return (_field.ToString(), false, true);
    }

    private async ValueTask<(string Value, bool Quoted, bool EndOfRecord)> ReadQuotedFieldAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!await EnsureAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new CsvFormatException($"Line {RecordLine}: a quoted field is not closed before the end of the file.", RecordLine, null);
            }

            var c = _buffer[_position++];
            if (c == '"')
            {
                if (await EnsureAsync(cancellationToken).ConfigureAwait(false) && _buffer[_position] == '"')
                {
                    _field.Append('"');
                    _position++;
                    continue;
                }

                break;
            }

            if (c == '\n' || (c == '\r' && !await NextIsAsync('\n', cancellationToken).ConfigureAwait(false)))
            {
                _line++;
            }

            _field.Append(c);
        }

        // After the closing quote: a delimiter, a line break or the end.
        if (!await EnsureAsync(cancellationToken).ConfigureAwait(false))
        {
            return (_field.ToString(), true, true);
        }

        var next = _buffer[_position];
        if (next == delimiter)
        {
            _position++;
            return (_field.ToString(), true, false);
        }

        if (next is '\r' or '\n')
        {
            await ConsumeLineBreakAsync(cancellationToken).ConfigureAwait(false);
            return (_field.ToString(), true, true);
        }

        throw new CsvFormatException(
            $"Line {_line}: unexpected '{next}' after a closing quote; a quote inside a quoted field is written twice (\"\").", _line, null);
    }

    private async ValueTask<bool> NextIsAsync(char expected, CancellationToken cancellationToken) =>
        await EnsureAsync(cancellationToken).ConfigureAwait(false) && _buffer[_position] == expected;

    /// <summary>Consumes one CR, LF or CRLF at the current position.</summary>
    private async ValueTask ConsumeLineBreakAsync(CancellationToken cancellationToken)
    {
        var c = _buffer[_position++];
        if (c == '\r' && await NextIsAsync('\n', cancellationToken).ConfigureAwait(false))
        {
            _position++;
        }

        _line++;
    }

    private async ValueTask<bool> EnsureAsync(CancellationToken cancellationToken)
    {
        if (_position < _length)
        {
            return true;
        }

        if (_endOfText)
        {
            return false;
        }

        _length = await reader.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        _position = 0;
        _endOfText = _length == 0;
        return !_endOfText;
    }
}
