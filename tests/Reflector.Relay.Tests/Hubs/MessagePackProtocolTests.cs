using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Hubs;

/// <summary>
/// The MessagePack hub protocol carries the same messages as JSON: a map with <c>type</c> and the contract's
/// camelCase fields and enum names, read here without the relay's types so nothing is hidden by sharing them.
/// </summary>
public sealed class MessagePackProtocolTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    [Fact]
    public async Task Messagepack_messages_arrive_as_maps_with_the_same_field_names_as_json()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var userId = "msgpack-" + Guid.NewGuid().ToString("N");
        var invalidates = Channel.CreateUnbounded<Dictionary<string, object?>>();
        var statuses = Channel.CreateUnbounded<Dictionary<string, object?>>();
        await using var connection = new HubConnectionBuilder()
            .WithUrl(relay.HubUrl, options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.AccessTokenProvider = () => Task.FromResult<string?>(relay.TokenFor(userId));
            })
            .AddMessagePackProtocol()
            .Build();
        connection.On<Dictionary<string, object?>>("invalidate", message => invalidates.Writer.TryWrite(message));
        connection.On<Dictionary<string, object?>>("upstreamStatus", status => statuses.Writer.TryWrite(status));
        await connection.StartAsync().DefaultTimeout();

        Dictionary<string, object?> status;
        do
        {
            status = await statuses.Reader.ReadAsync().DefaultTimeout();
        }
        while ((string?)status["state"] != "connected");

        Assert.Equal("""{"state":"connected"}""", JsonSerializer.Serialize(status));

        await fixture.Reflector.WaitForOpenSocketsAsync(userId, 1, TestTimeouts.Default);
        await EveryInvalidateKind.EmitAsync(fixture.Reflector, userId);
        foreach (var expected in EveryInvalidateKind.ExpectedJson)
        {
            Assert.Equal(expected, JsonSerializer.Serialize(await invalidates.Reader.ReadAsync().DefaultTimeout()));
        }
    }

    [Fact]
    public async Task A_dotnet_client_sharing_the_records_reads_the_same_typed_messages_over_messagepack_and_json()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var userId = "msgpack-typed-" + Guid.NewGuid().ToString("N");
        await using var json = await relay.ConnectAsync(userId);
        await using var messagePack = relay.CreateClient(relay.TokenFor(userId), HttpTransportType.WebSockets, usesMessagePack: true);
        await messagePack.StartAsync();
        await json.WaitForStateAsync(UpstreamState.Connected);
        await messagePack.WaitForStateAsync(UpstreamState.Connected);

        await EveryInvalidateKind.EmitAsync(fixture.Reflector, userId);
        for (var i = 0; i < EveryInvalidateKind.ExpectedJson.Count; i++)
        {
            var expected = await json.NextMessageAsync();
            Assert.Equal(expected, await messagePack.NextMessageAsync());
        }
    }
}
