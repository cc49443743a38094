using Penguin.Core.Common;
using Penguin.Protocol;

namespace Penguin.Server.Gateway;

/// <summary>Replies a frame handler sends.</summary>
public static class ConnectionReplies
{
    /// <summary>"ok" for a success, the error otherwise, both naming the request.</summary>
    public static void Answer<T>(this Connection connection, long re, Result<T> result) =>
        connection.Send(result.IsOk ? new Ok { Re = re } : ErrorReply.From(result.Error, re));
}
