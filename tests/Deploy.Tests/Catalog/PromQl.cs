namespace Deploy.Tests.Catalog;

/// <summary>
/// The metric names a PromQL expression reads: identifiers that are not functions, aggregations, keywords, label
/// names (in matchers and grouping lists), numbers or durations. Recording-rule names (with ':') are returned as
/// they are; <see cref="MetricCatalog.UnknownNames"/> resolves them.
/// </summary>
public static class PromQl
{
    private static readonly HashSet<string> Aggregations = new(StringComparer.Ordinal)
    {
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio",
    };

    private static readonly HashSet<string> LabelListKeywords = new(StringComparer.Ordinal) { "by", "without", "on", "ignoring", "group_left", "group_right" };

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase) { "offset", "bool", "and", "or", "unless", "atan2", "inf", "nan", "start", "end" };

    public static IReadOnlySet<string> MetricNames(string expression)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        while (i < expression.Length)
        {
            var c = expression[i];
            if (c is '"' or '\'' or '`')
            {
                i = SkipString(expression, i);
            }
            else if (c == '{')
            {
                i = SkipBracketed(expression, i, '{', '}');
            }
            else if (c == '[')
            {
                i = SkipBracketed(expression, i, '[', ']');
            }
            else if (c == '#')
            {
                var end = expression.IndexOf('\n', i);
                i = end < 0 ? expression.Length : end;
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < expression.Length && char.IsAsciiDigit(expression[i + 1])))
            {
                i = SkipNumberOrDuration(expression, i);
            }
            else if (char.IsAsciiLetter(c) || c is '_' or ':')
            {
                var start = i;
                while (i < expression.Length && (char.IsAsciiLetterOrDigit(expression[i]) || expression[i] is '_' or ':'))
                {
                    i++;
                }

                var word = expression[start..i];
                var next = NextNonSpace(expression, i);
                if (LabelListKeywords.Contains(word))
                {
                    if (next < expression.Length && expression[next] == '(')
                    {
                        i = SkipBracketed(expression, next, '(', ')');
                    }
                }
                else if (!Keywords.Contains(word) && !Aggregations.Contains(word) && !(next < expression.Length && expression[next] == '('))
                {
                    names.Add(word);
                }
            }
            else
            {
                i++;
            }
        }

        return names;
    }

    private static int NextNonSpace(string text, int index)
    {
        while (index < text.Length && char.IsWhiteSpace(text[index]))
        {
            index++;
        }

        return index;
    }

    private static int SkipString(string text, int start)
    {
        var quote = text[start];
        var i = start + 1;
        while (i < text.Length && text[i] != quote)
        {
            i += text[i] == '\\' && quote != '`' ? 2 : 1;
        }

        return Math.Min(i + 1, text.Length);
    }

    private static int SkipBracketed(string text, int start, char open, char close)
    {
        var depth = 0;
        var i = start;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is '"' or '\'' or '`')
            {
                i = SkipString(text, i);
                continue;
            }

            if (c == open)
            {
                depth++;
            }
            else if (c == close && --depth == 0)
            {
                return i + 1;
            }

            i++;
        }

        return text.Length;
    }

    // 0.05, 1e-9, 14.4, and durations such as 6h or 1h30m.
    private static int SkipNumberOrDuration(string text, int start)
    {
        var i = start;
        while (i < text.Length)
        {
            var c = text[i];
            var exponentSign = c is '+' or '-' && i > start && text[i - 1] is 'e' or 'E' && char.IsAsciiDigit(text[start]);
            if (!(char.IsAsciiLetterOrDigit(c) || c == '.' || exponentSign))
            {
                break;
            }

            i++;
        }

        return i;
    }
}
