namespace Monitoring.IntegrationTests.Infrastructure;

/// <summary>Polls until a condition holds, for results that depend on a scrape or export interval.</summary>
internal static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, CancellationToken cancellationToken)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or InvalidOperationException)
            {
                last = exception;
            }

            await Task.Delay(250, cancellationToken);
        }

        throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}.", last);
    }
}
