using System.Globalization;
using Penguin.Protocol;

namespace Penguin.Core.Accounts;

/// <summary>Rules for text people type: length in characters (not bytes) and no control or invisible format characters.</summary>
public static class Validation
{
    public static Error? Nickname(string? nickname)
    {
        if (nickname is null) return Errors.InvalidNickname;
        var trimmed = nickname.Trim();
        if (trimmed.Length == 0 || TextLength(trimmed) > Limits.NicknameMaxLength || HasControl(trimmed) || !IsDisplayable(trimmed))
            return Errors.InvalidNickname;
        return null;
    }

    public static Error? Password(string? password) =>
        password is null || password.Length < Limits.PasswordMinLength || password.Length > Limits.PasswordMaxLength
            ? Errors.InvalidPassword
            : null;

    /// <summary>Optional free text (signature, remark, request message): within the limit and without control characters.</summary>
    public static Error? Text(string? value, int maxLength, string field, bool allowEmpty = true)
    {
        if (value is null) return null;
        if ((!allowEmpty && value.Trim().Length == 0) || TextLength(value) > maxLength || HasControl(value) || (value.Trim().Length > 0 && !IsDisplayable(value)))
            return Errors.InvalidField.With(
                $"'{field}' must be at most {maxLength} characters with something visible, without control characters or piled-up combining marks.",
                $"“{field}”最多 {maxLength} 个字符，须含可见字符，且不能包含控制字符或堆叠的组合符号。");
        return null;
    }

    /// <summary>At most this many combining marks on one character (Vietnamese or Devanagari need 2–3; "Zalgo" text piles up hundreds).</summary>
    public const int MaxCombiningMarksPerCharacter = 8;

    /// <summary>
    /// The display-text rule, for every text shown to others (nicknames, signatures, remarks, names, messages): at
    /// least one visible character — not only spaces, zero-width or format characters, Hangul fillers or a braille
    /// blank — and no character carrying more than <see cref="MaxCombiningMarksPerCharacter"/> combining marks.
    /// </summary>
    public static bool IsDisplayable(string value)
    {
        var visible = false;
        var marks = 0;
        foreach (var c in value)
        {
            var category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark)
            {
                if (++marks > MaxCombiningMarksPerCharacter) return false;
                continue;
            }
            marks = 0;
            if (!visible && !char.IsWhiteSpace(c) && category is not UnicodeCategory.Format
                && c is not ('\u3164' or '\u115F' or '\u1160' or '\uFFA0' or '\u2800' or '\u00AD' or '\u034F'))
                visible = true;
        }
        return visible;
    }

    /// <summary>Whether the string is not well-formed UTF-16: a surrogate without its pair.</summary>
    public static bool HasLoneSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (!char.IsSurrogate(value[i])) continue;
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) i++;
            else return true;
        }
        return false;
    }

    /// <summary>Length in user-perceived characters, so a Chinese name or an emoji counts as one each.</summary>
    public static int TextLength(string value) => new StringInfo(value).LengthInTextElements;

    /// <summary>
    /// Control characters (NUL included), line or paragraph separators, bidi overrides, or a lone surrogate (a JSON
    /// "\ud800" escape: not text at all, and stored it would come back changed): refused in any text a user types,
    /// search queries too.
    /// </summary>
    public static bool HasControl(string value)
    {
        if (HasLoneSurrogate(value)) return true;
        foreach (var c in value)
        {
            var category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                return true;
            // Bidi overrides let a name pretend to be another; zero-width joiners are allowed for emoji.
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069') return true;
        }
        return false;
    }
}
