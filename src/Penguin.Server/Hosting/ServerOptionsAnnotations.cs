using Microsoft.Extensions.Options;

namespace Penguin.Server.Hosting;

/// <summary>The DataAnnotations on <see cref="ServerOptions"/> and the classes it holds, checked by generated code.</summary>
[OptionsValidator]
public sealed partial class ServerOptionsAnnotations : IValidateOptions<ServerOptions>;
