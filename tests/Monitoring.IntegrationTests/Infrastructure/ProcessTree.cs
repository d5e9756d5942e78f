namespace Monitoring.IntegrationTests.Infrastructure;

/// <summary>Processes below a process, read from <c>/proc</c>; a process is named by pid and start time so a reused pid is not mistaken for it.</summary>
internal static class ProcessTree
{
    public static IReadOnlyList<(int Pid, string StartTime)> Descendants(int root)
    {
        var parents = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Stat(pid) is { } stat)
            {
                (parents.TryGetValue(stat.Parent, out var children) ? children : parents[stat.Parent] = []).Add(pid);
            }
        }

        var result = new List<(int, string)>();
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var pid))
        {
            foreach (var child in parents.GetValueOrDefault(pid) ?? [])
            {
                if (Stat(child) is { } stat)
                {
                    result.Add((child, stat.StartTime));
                    pending.Push(child);
                }
            }
        }

        return result;
    }

    public static bool IsAlive(int pid, string startTime) => Stat(pid) is { } stat && stat.StartTime == startTime && stat.State != "Z";

    public static string CommandLine(int pid)
    {
        try
        {
            return $"{pid} {File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()}";
        }
        catch (IOException)
        {
            return pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static (int Parent, string StartTime, string State)? Stat(int pid)
    {
        try
        {
            // pid (comm) state ppid … ; comm may hold spaces and parentheses, so fields are counted after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), fields[19], fields[0]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
