using System.Security.Cryptography;
using System.Text;

namespace Penguin.Core.Xmpp;

/// <summary>
/// The server's side of one SCRAM exchange (RFC 5802 §5, without channel binding): read client-first, answer
/// server-first, check client-final's proof and answer server-final. Messages are the decoded SASL payloads.
/// </summary>
public sealed class ScramExchange(ScramMechanism mechanism)
{
    private string _gs2Header = "";
    private string _clientFirstBare = "";
    private string _serverFirst = "";
    private string _nonce = "";

    public ScramMechanism Mechanism { get; } = mechanism;

    /// <summary>The authentication identity the client named (after "=2C"/"=3D" decoding).</summary>
    public string Username { get; private set; } = "";

    /// <summary>Reads client-first-message; null when well formed, else why not.</summary>
    public string? ReadClientFirst(string message)
    {
        // gs2-header: "n," or "y," (no channel binding; "p=" asks for -PLUS, which is not offered), then [a=authzid] ",".
        if (message.Length < 3 || message[0] is not ('n' or 'y') || message[1] != ',') return "Channel binding is not supported (use a mechanism without -PLUS).";
        var second = message.IndexOf(',', 2);
        if (second < 0) return "Malformed gs2 header.";
        var authzid = message[2..second];
        if (authzid.Length > 0 && !authzid.StartsWith("a=", StringComparison.Ordinal)) return "Malformed authorization identity.";
        _gs2Header = message[..(second + 1)];
        _clientFirstBare = message[(second + 1)..];
        var attributes = Attributes(_clientFirstBare);
        if (attributes is null || attributes.Count < 2 || attributes[0].Key != 'n' || attributes[1].Key != 'r') return "Expected n=…,r=….";
        if (attributes.Any(a => a.Key == 'm')) return "Mandatory extensions are not supported.";
        if (Decode(attributes[0].Value) is not { Length: > 0 } user) return "Malformed user name.";
        var clientNonce = attributes[1].Value;
        if (clientNonce.Length == 0 || clientNonce.Any(c => c is < '!' or > '~' or ',')) return "Malformed nonce.";
        Username = user;
        _nonce = clientNonce;
        if (authzid.Length > 0 && Decode(authzid[2..]) is not { } _) return "Malformed authorization identity.";
        AuthorizationId = authzid.Length > 0 ? Decode(authzid[2..]) : null;
        return null;
    }

    /// <summary>The authorization identity, when the client gave one.</summary>
    public string? AuthorizationId { get; private set; }

    /// <summary>Builds server-first-message with the account's salt and iteration count and a fresh nonce (given by tests).</summary>
    public string ServerFirst(byte[] salt, int iterations, string? serverNonce = null)
    {
        _nonce += serverNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(salt)},i={iterations}";
        return _serverFirst;
    }

    /// <summary>
    /// Checks client-final-message against the stored credential (null: an account that does not exist, which fails
    /// the same way). Returns server-final-message when the proof is right, else null.
    /// </summary>
    public string? VerifyClientFinal(string message, ScramCredential? credential)
    {
        var proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0) return null;
        var withoutProof = message[..proofAt];
        var attributes = Attributes(withoutProof);
        if (attributes is null || attributes.Count < 2 || attributes[0].Key != 'c' || attributes[1].Key != 'r') return null;
        if (attributes[1].Value != _nonce) return null;
        byte[] binding, proof;
        try
        {
            binding = Convert.FromBase64String(attributes[0].Value);
            proof = Convert.FromBase64String(message[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            return null;
        }
        if (!binding.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(_gs2Header))) return null;

        var algorithm = Scram.Algorithm(Mechanism);
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        // A missing account is checked against random keys, so it costs the same and fails.
        var storedKey = credential?.StoredKey ?? RandomNumberGenerator.GetBytes(Mechanism == ScramMechanism.Sha1 ? 20 : 32);
        var clientSignature = Scram.Hmac(algorithm, storedKey, authMessage);
        if (proof.Length != clientSignature.Length) return null;
        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++) clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        if (!CryptographicOperations.FixedTimeEquals(Scram.Hash(algorithm, clientKey), storedKey) || credential is null) return null;
        return "v=" + Convert.ToBase64String(Scram.Hmac(algorithm, credential.ServerKey, authMessage));
    }

    /// <summary>Splits "k=v,k=v"; null when an attribute is not a letter, '=' and a value.</summary>
    private static List<(char Key, string Value)>? Attributes(string text)
    {
        var list = new List<(char, string)>();
        foreach (var part in text.Split(','))
        {
            if (part.Length < 2 || part[1] != '=' || !char.IsAsciiLetter(part[0])) return null;
            list.Add((part[0], part[2..]));
        }
        return list;
    }

    /// <summary>saslname: "=2C" is ',' and "=3D" is '='; any other '=' is malformed (null).</summary>
    private static string? Decode(string saslName)
    {
        var sb = new StringBuilder(saslName.Length);
        for (var i = 0; i < saslName.Length; i++)
        {
            if (saslName[i] != '=') { sb.Append(saslName[i]); continue; }
            if (i + 2 >= saslName.Length) return null;
            var code = saslName.Substring(i + 1, 2);
            if (code == "2C") sb.Append(',');
            else if (code == "3D") sb.Append('=');
            else return null;
            i += 2;
        }
        return sb.ToString();
    }
}
