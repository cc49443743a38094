namespace Penguin.Server.Hosting;

/// <summary>Exit codes of penguin-server (from sysexits.h), documented in docs/operations.md.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A database file that is damaged or not a Penguin database (EX_DATAERR).</summary>
    public const int DataError = 65;

    /// <summary>A port in use, or PostgreSQL unreachable or refusing the login (EX_UNAVAILABLE).</summary>
    public const int Unavailable = 69;

    /// <summary>The data directory cannot be created or written (EX_CANTCREAT).</summary>
    public const int CannotCreate = 73;

    /// <summary>A setting is unknown, unreadable, out of range, or missing (EX_CONFIG).</summary>
    public const int Configuration = 78;
}
