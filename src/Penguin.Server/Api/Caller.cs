using Penguin.Core.Accounts;

namespace Penguin.Server.Api;

/// <summary>The authenticated caller of a REST endpoint, bound from the session the auth filter resolved.</summary>
public sealed record Caller(SessionContext Session)
{
    public long UserId => Session.UserId;

    public static ValueTask<Caller?> BindAsync(HttpContext context) =>
        ValueTask.FromResult(context.Items[typeof(Caller)] as Caller);
}
