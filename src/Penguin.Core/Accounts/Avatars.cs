namespace Penguin.Core.Accounts;

/// <summary>The built-in avatars a user picks from until file upload exists.</summary>
public static class Avatars
{
    public static readonly string[] All = [.. Enumerable.Range(1, 12).Select(i => $"penguin-{i:00}")];

    public static string ForNewUser(long seed) => All[(int)(seed % All.Length)];

    public static bool IsKnown(string avatar) => Array.IndexOf(All, avatar) >= 0;
}
