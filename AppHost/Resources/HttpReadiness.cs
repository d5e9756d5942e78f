using System.Diagnostics;
using System.Net;

namespace AppHost.Resources;

internal static class HttpReadiness
{
    /// <summary>Polls <paramref name="relativeUrl"/> until it answers 200; fails early, with its output, when the process exits.</summary>
    public static async Task WaitForOkAsync(ManagedProcess process, HttpClient http, string relativeUrl, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        var lastProblem = "no answer";
        while (elapsed.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new ResourceStartException(process.Name, $"exited with code {process.ExitCode} while starting", process.RecentOutput);
            }

            try
            {
                using var response = await http.GetAsync(relativeUrl, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                lastProblem = $"{relativeUrl} answered {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                lastProblem = ex.Message;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        throw new ResourceStartException(process.Name, $"not ready on {new Uri(http.BaseAddress!, relativeUrl)} after {timeout.TotalSeconds:0} s ({lastProblem})", process.RecentOutput);
    }
}
