using Monitor.Cli.Tests.Running;

namespace Monitor.Cli.Tests;

/// <summary>The built <c>monitor</c>'s command line: usage errors exit 2 and say what is wrong; --help lists the exit codes.</summary>
public sealed class UsageTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("snapshot --predictor ftp://predictor", "--predictor needs an absolute http(s) URL")]
    [InlineData("snapshot --timeout 0", "--timeout is a number of seconds from 0.1 to 300")]
    [InlineData("snapshot --timeout soon", "--timeout is a number of seconds from 0.1 to 300 (was 'soon')")]
    [InlineData("live --interval 0.5", "--interval is a number of seconds from 1 to 3600")]
    [InlineData("snapshot --no-such-option", "--no-such-option")]
    [InlineData("watch", "watch")]
    [InlineData("", "Required command was not provided")]
    public async Task A_usage_error_exits_two_and_names_the_problem(string arguments, string message)
    {
        var run = await MonitorProcess.RunAsync(arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries), Cancellation);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Help_lists_the_commands_options_and_exit_codes()
    {
        var run = await MonitorProcess.RunAsync(["--help"], Cancellation);

        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var text in new[] { "snapshot", "live", "--predictor", "--drift", "--training", "--prometheus", "--alertmanager", "--timeout", "services__predictor__http__0", "Exit codes:", "  0  all healthy", "  1  ", "  2  usage error", "  130  snapshot interrupted" })
        {
            Assert.Contains(text, run.Output, StringComparison.Ordinal);
        }
    }
}
