using AppHost.Resources;

namespace Monitoring.Testing.Tests;

public sealed class ManagedProcessTests
{
    [Fact]
    public async Task StopAsync_asks_politely_with_SIGTERM_first()
    {
        var lines = new List<string>();
        await using var process = ManagedProcess.Start(new ManagedProcessOptions
        {
            Name = "sleeper",
            FileName = "/bin/sh",
            Arguments = ["-c", "trap 'echo got TERM; exit 3' TERM; echo started; while true; do sleep 0.1; done"],
            OutputLine = line => { lock (lines) { lines.Add($"{line.ResourceName}: {line.Text}"); } },
        });
        await WaitForAsync(() => process.RecentOutput.Contains("started"));

        await process.StopAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(3, process.ExitCode);
        lock (lines)
        {
            Assert.Equal(["sleeper: started", "sleeper: got TERM"], lines);
        }
    }

    [Fact]
    public async Task A_failing_program_is_reported_with_its_last_output()
    {
        var failure = await Assert.ThrowsAsync<ResourceStartException>(() => ManagedProcess.RunToCompletionAsync(
            new ManagedProcessOptions { Name = "failing", FileName = "/bin/sh", Arguments = ["-c", "echo first; echo 'bad thing' >&2; exit 7"] },
            TimeSpan.FromSeconds(10),
            TestContext.Current.CancellationToken));

        Assert.Contains("exited with code 7", failure.Message, StringComparison.Ordinal);
        Assert.Contains("bad thing", failure.RecentOutput);
    }

    [Fact]
    public void FreePort_gives_a_port_that_can_be_bound()
    {
        var port = FreePort.Next();

        Assert.InRange(port, 1, 65535);
        Assert.True(FreePort.IsAvailable(port));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.True(condition());
    }
}
