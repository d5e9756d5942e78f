using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Where a service's admin key comes from, and the setting that holds it (named in the closed-route problem).</summary>
public sealed record AdminApiKeySource(Func<string?> Key, string SettingName);

/// <summary>
/// Guards admin routes with <c>Authorization: Bearer &lt;key&gt;</c>. With no key configured the routes are closed,
/// never open. The comparison takes the same time whatever the presented key.
/// </summary>
public sealed class AdminApiKeyFilter(AdminApiKeySource source) : IEndpointFilter
{
    private const string Scheme = "Bearer ";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var configured = source.Key();
        if (string.IsNullOrEmpty(configured))
        {
            return ValueTask.FromResult<object?>(ApiProblems.AdminClosed(source.SettingName));
        }

        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : string.Empty;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(configured)))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return ValueTask.FromResult<object?>(ApiProblems.Unauthorized());
        }

        return next(context);
    }
}

public static class AdminApiKeyExtensions
{
    /// <summary>Registers <see cref="AdminApiKeyFilter"/> reading the key from <typeparamref name="TOptions"/>.</summary>
    public static IServiceCollection AddAdminApiKey<TOptions>(this IServiceCollection services, Func<TOptions, string?> key, string settingName)
        where TOptions : class
    {
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<TOptions>>();
            return new AdminApiKeySource(() => key(options.Value), settingName);
        });
        services.AddSingleton<AdminApiKeyFilter>();
        return services;
    }
}
