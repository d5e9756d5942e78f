using System.Diagnostics;

namespace AppHost.Resources;

/// <summary>
/// A child process whose output is forwarded line by line and whose last lines are kept,
/// stopped gracefully (a signal, then SIGKILL after a grace period).
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ManagedProcessOptions _options;
    private readonly Queue<string> _recentLines = new();
    private readonly Lock _recentLinesLock = new();

    private ManagedProcess(Process process, ManagedProcessOptions options)
    {
        _process = process;
        _options = options;
    }

    public string Name => _options.Name;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The last output lines (stdout and stderr interleaved), oldest first.</summary>
    public IReadOnlyList<string> RecentOutput
    {
        get
        {
            lock (_recentLinesLock)
            {
                return [.. _recentLines];
            }
        }
    }

    public static ManagedProcess Start(ManagedProcessOptions options)
    {
        var startInfo = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = options.WorkingDirectory ?? "",
        };

        // setsid and setpriv both exec the target, so the pid we hold is the program's own.
        if (options.NewSession && Executables.FindOnPath("setsid") is { } setsid)
        {
            startInfo.FileName = setsid;
            AddRunAsUser(startInfo, options);
            startInfo.ArgumentList.Add(options.FileName);
        }
        else if (options.RunAsUser is not null)
        {
            startInfo.FileName = "setpriv";
            AddRunAsUser(startInfo, options, includeSetpriv: false);
            startInfo.ArgumentList.Add(options.FileName);
        }
        else
        {
            startInfo.FileName = options.FileName;
        }

        foreach (var argument in options.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in options.Environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(key);
            }
            else
            {
                startInfo.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var managed = new ManagedProcess(process, options);
        process.OutputDataReceived += (_, e) => managed.OnLine(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => managed.OnLine(e.Data, isError: true);

        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            throw new ResourceStartException(options.Name, $"could not start '{options.FileName}': {ex.Message}", [], ex);
        }

        // Nothing is ever typed into a resource; closing stdin keeps it from waiting on the terminal.
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return managed;
    }

    /// <summary>Runs a short-lived program to completion and throws, with its output, when it fails.</summary>
    public static async Task<IReadOnlyList<string>> RunToCompletionAsync(ManagedProcessOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        var forward = options.OutputLine;
        await using var process = Start(options with
        {
            OutputLine = line =>
            {
                lock (lines)
                {
                    lines.Add(line.Text);
                }

                forward?.Invoke(line);
            },
        });

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ResourceStartException(options.Name, $"'{options.FileName}' did not finish within {timeout.TotalSeconds:0} s", process.RecentOutput);
        }

        if (process.ExitCode != 0)
        {
            throw new ResourceStartException(options.Name, $"'{options.FileName} {string.Join(' ', options.Arguments)}' exited with code {process.ExitCode}", process.RecentOutput);
        }

        lock (lines)
        {
            return [.. lines];
        }
    }

    /// <summary>Completes when the process has exited and its output has been read to the end.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Sends the stop signal, waits up to <paramref name="gracePeriod"/>, then kills it.</summary>
    public async Task StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken = default)
    {
        if (_process.HasExited)
        {
            await _process.WaitForExitAsync(cancellationToken);
            return;
        }

        var signal = _options.StopSignal == StopSignal.Interrupt ? NativeMethods.SIGINT : NativeMethods.SIGTERM;
        NativeMethods.Kill(_process.Id, signal);

        using var graceSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        graceSource.CancelAfter(gracePeriod);
        try
        {
            await _process.WaitForExitAsync(graceSource.Token);
            return;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Ignored the signal for too long.
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }

        await _process.WaitForExitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static void AddRunAsUser(ProcessStartInfo startInfo, ManagedProcessOptions options, bool includeSetpriv = true)
    {
        if (options.RunAsUser is not { } user)
        {
            return;
        }

        if (includeSetpriv)
        {
            startInfo.ArgumentList.Add("setpriv");
        }

        foreach (var argument in (string[])[$"--reuid={user}", $"--regid={user}", "--init-groups", "--"])
        {
            startInfo.ArgumentList.Add(argument);
        }
    }

    private void OnLine(string? text, bool isError)
    {
        if (text is null)
        {
            return;
        }

        lock (_recentLinesLock)
        {
            _recentLines.Enqueue(text);
            while (_recentLines.Count > _options.RecentLineCount)
            {
                _recentLines.Dequeue();
            }
        }

        _options.OutputLine?.Invoke(new OutputLine(_options.Name, text, isError));
    }
}
