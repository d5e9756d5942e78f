using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Predictor.Api.Apis;

namespace Predictor.Api.Security;

/// <summary>
/// Guards admin routes with <c>Authorization: Bearer &lt;key&gt;</c>. With no key configured the routes are closed,
/// never open.
/// </summary>
internal sealed class AdminApiKeyFilter(IOptions<PredictorOptions> options) : IEndpointFilter
{
    private const string Scheme = "Bearer ";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var configured = options.Value.AdminApiKey;
        if (string.IsNullOrEmpty(configured))
        {
            return ValueTask.FromResult<object?>(Problems.AdminClosed());
        }

        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : string.Empty;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(configured)))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return ValueTask.FromResult<object?>(Problems.Unauthorized());
        }

        return next(context);
    }
}
