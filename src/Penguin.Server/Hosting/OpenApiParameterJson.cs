using System.Text.Json.Serialization;

namespace Penguin.Server.Hosting;

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(long?))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(bool?))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(DateTimeOffset?))]
[JsonSerializable(typeof(Penguin.Protocol.DeviceKind))]
internal sealed partial class OpenApiParameterJson : JsonSerializerContext;
