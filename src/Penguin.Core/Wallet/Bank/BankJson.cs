using System.Text.Json;
using System.Text.Json.Serialization;

namespace Penguin.Core.Wallet.Bank;

/// <summary>The bank API's serializer context (source-generated, camelCase), shared by penguin-bank and the server's bank client.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(BankPaymentRequest))]
[JsonSerializable(typeof(BankPayment))]
[JsonSerializable(typeof(BankPaymentList))]
[JsonSerializable(typeof(BankError))]
public sealed partial class BankJson : JsonSerializerContext;
