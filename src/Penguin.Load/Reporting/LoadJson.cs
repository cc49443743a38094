using System.Text.Json;
using System.Text.Json.Serialization;
using Penguin.Load.Scenarios;

namespace Penguin.Load.Reporting;

/// <summary>Source-generated JSON for the reports and the users file of this tool.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunReport))]
[JsonSerializable(typeof(SimulatedUser[]))]
public sealed partial class LoadJson : JsonSerializerContext;
