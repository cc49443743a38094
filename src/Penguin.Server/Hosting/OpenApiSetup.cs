using System.Text.Json.Serialization;

namespace Penguin.Server.Hosting;

/// <summary>
/// The OpenAPI document at /openapi/v1.json. Reflection-based JSON is off in this server, so the document
/// generator can describe only types some source-generated context knows: the wire types are in PenguinJson,
/// and the route and query parameter types (plain numbers, flags, text) are in <see cref="OpenApiParameterJson"/>.
/// </summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddPenguinOpenApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Add(OpenApiParameterJson.Default));
        services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Penguin";
            document.Info.Description = "REST API of penguin-server. Real-time traffic uses the WebSocket at /ws (docs/protocol.md). " +
                                        "Penguin 的 REST 接口；实时消息走 /ws 上的 WebSocket。";
            return Task.CompletedTask;
        }));
        return services;
    }
}
