namespace Penguin.Core.Wallet;

/// <summary>
/// The ledger's account ids. A user has one account per currency (<c>u:{id}:cny</c> in fen, <c>u:{id}:qc</c> in
/// Q-coins); the system holds the other side of every movement: the bank clearing account (money that came in from
/// or went out to the bank), escrow (transfers not yet accepted), red-packet escrow (shares not yet claimed), revenue (CNY paid for Q-coins) and Q-coin issuance.
/// Only the bank clearing and issuance accounts may go below zero: they mirror money outside the ledger.
/// </summary>
public static class LedgerAccounts
{
    public const string Cny = "cny";
    public const string QCoin = "qc";

    public const string BankClearing = "sys:bank:cny";
    public const string Escrow = "sys:escrow:cny";
    /// <summary>Red packets not yet claimed: its balance is the sum of what every open red packet still holds.</summary>
    public const string RedPacketEscrow = "sys:redpacket:cny";
    public const string Revenue = "sys:revenue:cny";
    public const string QCoinIssuance = "sys:issuance:qc";

    public static string UserCny(long userId) => $"u:{userId}:{Cny}";

    public static string UserQCoins(long userId) => $"u:{userId}:{QCoin}";

    public static string CurrencyOf(string accountId) => accountId[(accountId.LastIndexOf(':') + 1)..];

    /// <summary>The user an account belongs to, or null for a system account.</summary>
    public static long? OwnerOf(string accountId) =>
        accountId.StartsWith("u:", StringComparison.Ordinal) && long.TryParse(accountId.AsSpan(2, accountId.LastIndexOf(':') - 2), out var id) ? id : null;

    public static bool MayGoNegative(string accountId) => accountId is BankClearing or QCoinIssuance;
}
