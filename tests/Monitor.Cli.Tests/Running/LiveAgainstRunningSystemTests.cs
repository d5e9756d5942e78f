namespace Monitor.Cli.Tests.Running;

/// <summary><c>monitor live</c> as its own process: it redraws until Ctrl+C (SIGINT) and then exits 0.</summary>
[Collection(RunningSystemCollection.Name)]
public sealed class LiveAgainstRunningSystemTests(RunningSystem system)
{
    private const string Header = "ML monitoring at ";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Live_redraws_until_ctrl_c_and_then_exits_zero()
    {
        var arguments = system.SnapshotArguments();
        arguments[0] = "live";
        arguments.AddRange(["--interval", "1"]);
        using var process = MonitorProcess.Start(arguments);
        var error = process.StandardError.ReadToEndAsync(Cancellation);
        try
        {
            // Piped, so each redraw is a whole snapshot after the previous one.
            var headers = 0;
            var lines = new List<string>();
            while (headers < 2 && await process.StandardOutput.ReadLineAsync(Cancellation) is { } line)
            {
                lines.Add(line);
                headers += line.StartsWith(Header, StringComparison.Ordinal) ? 1 : 0;
            }

            if (headers < 2)
            {
                // stderr is complete only once the process has ended, as it has here.
                Assert.Fail($"live ended after {headers} snapshot(s):\n{string.Join('\n', lines)}\n{await error}");
            }

            Assert.Contains(lines, line => line.Contains("all healthy", StringComparison.Ordinal));

            // Keep reading, so a redraw never blocks on a full pipe while Ctrl+C is handled.
            var rest = process.StandardOutput.ReadToEndAsync(Cancellation);
            await MonitorProcess.InterruptAsync(process, Cancellation);
            await MonitorProcess.WaitForExitAsync(process, Cancellation);
            await rest;

            var errors = await error;
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {errors}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
