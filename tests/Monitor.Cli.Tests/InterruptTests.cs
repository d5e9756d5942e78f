using System.Net;
using System.Net.Sockets;
using Monitor.Cli.Tests.Running;

namespace Monitor.Cli.Tests;

/// <summary>Ctrl+C while <c>snapshot</c> still waits for its sources: neither healthy nor unhealthy, but 130.</summary>
public sealed class InterruptTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ctrl_c_before_the_sources_answer_exits_130_and_says_so()
    {
        // Accepts connections and never answers, so the monitor is still waiting when it is interrupted.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        using var process = MonitorProcess.Start(["snapshot", "--predictor", url, "--drift", url, "--training", url, "--prometheus", url, "--alertmanager", url, "--timeout", "300"]);
        var output = process.StandardOutput.ReadToEndAsync(Cancellation);
        var error = process.StandardError.ReadToEndAsync(Cancellation);
        try
        {
            using var waiting = await silent.AcceptTcpClientAsync(Cancellation);

            await MonitorProcess.InterruptAsync(process, Cancellation);
            await MonitorProcess.WaitForExitAsync(process, Cancellation);

            var run = new MonitorRun(process.ExitCode, await output, await error);
            Assert.True(run.ExitCode == 130, run.ToString());
            Assert.Contains("interrupted before the snapshot was complete", run.Error, StringComparison.Ordinal);
            Assert.Empty(run.Output);
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
