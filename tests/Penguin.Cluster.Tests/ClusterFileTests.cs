using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Penguin.Client;
using Penguin.Protocol;

namespace Penguin.Cluster.Tests;

/// <summary>
/// Files across three nodes sharing one file directory: an upload may move between nodes chunk by chunk, and every
/// node serves every file (ranges, previews, 秒传) to those who may see it.
/// </summary>
public sealed class ClusterFileTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static string Sha(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private HttpClient Http(int node, PenguinClient session)
    {
        var http = new HttpClient { BaseAddress = cluster.NodeUri(node) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.Token);
        return http;
    }

    [ClusterFact]
    public async Task Upload_ChunkByChunkOnDifferentNodes_EveryNodeServesTheFile()
    {
        await using var alice = await cluster.RegisterAsync("alice");
        await using var bob = await cluster.RegisterAsync("bob");
        await alice.BefriendAsync(bob, myNode: 0, otherNode: 1);
        var aliceDevice = await alice.ConnectAsync(node: 0);
        var bobDevice = await bob.LoginAsync(node: 1);
        var bytes = RandomNumberGenerator.GetBytes(3 * 100_000);

        // Announced on node 0, one chunk through each node, completed on node 2.
        using var announce = new PenguinClient(cluster.NodeUri(0)) { Token = aliceDevice.Rest.Token };
        var upload = (await announce.CreateUploadAsync(new CreateUpload("跨节点.bin", bytes.Length, Sha(bytes), "application/octet-stream"))).Upload!;
        for (var node = 0; node < ClusterFixture.NodeCount; node++)
        {
            using var client = new PenguinClient(cluster.NodeUri(node)) { Token = aliceDevice.Rest.Token };
            var chunk = bytes.AsMemory(node * 100_000, 100_000);
            var status = await client.SendChunkAsync(upload.Id, node * 100_000L, new MemoryStream(chunk.ToArray()), chunk.Length, Sha(chunk.Span));
            Assert.Equal((node + 1) * 100_000L, status.Offset);
        }
        using var completer = new PenguinClient(cluster.NodeUri(2)) { Token = aliceDevice.Rest.Token };
        var stored = await completer.CompleteUploadAsync(upload.Id);
        Assert.Equal(stored, await announce.CompleteUploadAsync(upload.Id)); // a retried completion on another node: the same file
        await aliceDevice.Live.SendFileAsync(bob.Number, stored.Id);

        for (var node = 0; node < ClusterFixture.NodeCount; node++)
        {
            using var http = Http(node, bobDevice.Rest);
            Assert.Equal(bytes, await http.GetByteArrayAsync($"api/v1/files/{stored.Id}"));
            using var ranged = new HttpRequestMessage(HttpMethod.Get, $"api/v1/files/{stored.Id}") { Headers = { Range = new RangeHeaderValue(250_000, null) } };
            using var partial = await http.SendAsync(ranged);
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal(bytes[250_000..], await partial.Content.ReadAsByteArrayAsync());
        }

        // The same bytes announced on another node by someone else: held already, stored at once (秒传).
        using var bobOnNode2 = new PenguinClient(cluster.NodeUri(2)) { Token = bobDevice.Rest.Token };
        var instant = await bobOnNode2.CreateUploadAsync(new CreateUpload("copy.bin", bytes.Length, Sha(bytes), "application/octet-stream"));
        Assert.NotNull(instant.File);
        Assert.NotEqual(stored.Id, instant.File!.Id);
    }
}
