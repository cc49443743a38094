using System.Net;
using Microsoft.Extensions.Options;

namespace Penguin.Server.Hosting;

/// <summary>Rules that span settings: an engine that needs a connection must be given one; an enabled front end must be able to start.</summary>
public sealed class ServerOptionsRules : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        var failures = new List<string>();
        if (options.Storage == StorageEngine.Postgres && string.IsNullOrWhiteSpace(options.Postgres.ConnectionString))
            failures.Add("Penguin:Postgres:ConnectionString must be set when Penguin:Storage is postgres.");
        if (options.Bus == BusEngine.RabbitMq && options.RabbitMq.Uri is null)
            failures.Add("Penguin:RabbitMq:Uri must be set when Penguin:Bus is rabbitmq.");
        if (options.RabbitMq.Uri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme is not ("amqp" or "amqps")))
            failures.Add($"Penguin:RabbitMq:Uri must be an amqp:// or amqps:// URI (got '{uri}').");
        AddNodeLinkFailures(options.RabbitMq, failures);
        if (options.Xmpp.Enabled) AddXmppFailures(options.Xmpp, failures);
        if (options.Wallet.MaxAmount > options.Wallet.DailyLimit)
            failures.Add($"Penguin:Wallet:MaxAmount ({options.Wallet.MaxAmount}) must not exceed Penguin:Wallet:DailyLimit ({options.Wallet.DailyLimit}) / 单笔上限不能超过每日限额.");
        if (options.Wallet.FenPerQCoin > options.Wallet.MaxAmount)
            failures.Add($"Penguin:Wallet:FenPerQCoin ({options.Wallet.FenPerQCoin}) must not exceed Penguin:Wallet:MaxAmount ({options.Wallet.MaxAmount}), or no Q-coin could be bought / Q 币单价不能超过单笔上限.");
        failures.AddRange(options.Bank.Problems());
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void AddNodeLinkFailures(RabbitMqOptions rabbitMq, List<string> failures)
    {
        if (rabbitMq.NodeLinkOff) return;
        if (rabbitMq.NodeLinkEndPoint is not { } endpoint)
            failures.Add($"Penguin:RabbitMq:NodeLink must be address:port, such as 127.0.0.1:0 or 10.0.0.5:7400, or off (got '{rabbitMq.NodeLink}') / 须为 地址:端口 或 off.");
        else if ((endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any)) && string.IsNullOrWhiteSpace(rabbitMq.NodeLinkHost))
            failures.Add($"Penguin:RabbitMq:NodeLink listens on {endpoint.Address}: set Penguin:RabbitMq:NodeLinkHost to the address other nodes reach this one at / 监听所有地址时须设置 NodeLinkHost.");
        if (rabbitMq.NodeLinkHost is { } host && (host.Trim().Length == 0 || host.Contains(':') && !IPAddress.TryParse(host, out _) || host.Any(char.IsWhiteSpace)))
            failures.Add($"Penguin:RabbitMq:NodeLinkHost must be a host name or IP address (got '{host}') / 须为主机名或 IP 地址.");
    }

    private static void AddXmppFailures(Features.Xmpp.XmppOptions xmpp, List<string> failures)
    {
        if (!string.IsNullOrWhiteSpace(xmpp.Address) && !IPAddress.TryParse(xmpp.Address, out _))
            failures.Add($"Penguin:Xmpp:Address must be an IP address such as 127.0.0.1, 0.0.0.0 or :: (got '{xmpp.Address}') / 须为 IP 地址.");
        if (!string.IsNullOrWhiteSpace(xmpp.CertificatePath) && !File.Exists(xmpp.CertificatePath))
            failures.Add($"Penguin:Xmpp:CertificatePath {xmpp.CertificatePath} does not exist / 证书文件不存在.");
        if (!string.IsNullOrWhiteSpace(xmpp.CertificateKeyPath) && !File.Exists(xmpp.CertificateKeyPath))
            failures.Add($"Penguin:Xmpp:CertificateKeyPath {xmpp.CertificateKeyPath} does not exist / 私钥文件不存在.");
        if (!string.IsNullOrWhiteSpace(xmpp.CertificateKeyPath) && string.IsNullOrWhiteSpace(xmpp.CertificatePath))
            failures.Add("Penguin:Xmpp:CertificateKeyPath is set but Penguin:Xmpp:CertificatePath is not / 只设置了私钥，未设置证书.");
    }
}
