namespace Monitoring.Data.Csv;

/// <summary>A CSV that cannot be read as the requested dataset; the message names the line and column.</summary>
public sealed class CsvFormatException : FormatException
{
    public CsvFormatException(string message, long? line, string? column)
        : base(message)
    {
        Line = line;
        Column = column;
    }

    public CsvFormatException()
    {
    }

    public CsvFormatException(string message)
        : base(message)
    {
    }

    public CsvFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>1-based line of the file where the offending record starts, when there is one.</summary>
    public long? Line { get; }

    /// <summary>The offending column, when there is one.</summary>
    public string? Column { get; }
}
