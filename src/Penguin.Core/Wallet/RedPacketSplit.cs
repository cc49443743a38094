using System.Security.Cryptography;

namespace Penguin.Core.Wallet;

/// <summary>
/// Draws a red packet's shares when it is sent, so every claim only takes the next share: the amounts cannot depend on
/// who claims first or how claims race. They always sum to the total exactly.
/// </summary>
public static class RedPacketSplit
{
    /// <summary>Every share the same: the total must divide evenly by the count (the caller checks).</summary>
    public static long[] Fixed(long total, int count) => Enumerable.Repeat(total / count, count).ToArray();

    /// <summary>
    /// Lucky (拼手气): each share at least 1 fen. Each draw is uniform between 1 fen and twice the mean of what is left
    /// (the "double mean" rule), never taking so much that a later share would get less than 1 fen; the last takes the
    /// rest. The shares are then shuffled, so the order of claiming gives no advantage. <paramref name="next"/> draws
    /// uniformly in [min, max); cryptographic by default, so nobody can predict the big share.
    /// </summary>
    public static long[] Lucky(long total, int count, Func<long, long, long>? next = null)
    {
        if (count < 1 || total < count) throw new ArgumentOutOfRangeException(nameof(total), "At least 1 fen per share.");
        next ??= (min, max) => min + (long)(RandomNumberGenerator.GetInt32(int.MaxValue) / (double)int.MaxValue * (max - min));
        var shares = new long[count];
        var left = total;
        for (var i = 0; i < count - 1; i++)
        {
            var sharesLeft = count - i;
            var upper = Math.Min(left - (sharesLeft - 1), Math.Max(1, 2 * (left / sharesLeft) - 1));
            var share = Math.Clamp(next(1, upper + 1), 1, upper);
            shares[i] = share;
            left -= share;
        }
        shares[^1] = left;
        for (var i = count - 1; i > 0; i--)
        {
            var j = RandomNumberGenerator.GetInt32(i + 1);
            (shares[i], shares[j]) = (shares[j], shares[i]);
        }
        return shares;
    }
}
