using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Reflector.Relay.Events;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Relay.Transcripts;
using Reflector.Relay.Streams;
using Reflector.Simulator;
using Serilog.Core;

namespace Reflector.Relay.Tests.Transcripts;

/// <summary>
/// A transcript id becomes a path segment of a request to Reflector made with the user's token, so only ids of
/// Reflector's shape may leave the hub, and nothing else may ever change the path.
/// </summary>
public sealed class TranscriptIdTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    // Marks the ids of the log test, so a log line that repeats one is found whatever else it says.
    private const string Marker = "zq7marker";

    public static TheoryData<string> TrickyIds => new()
    {
        "..", // the parent: /v1/events, the user's own stream
        ".", // the same directory: /v1/transcripts/events
        "%2e%2e", // the parent, escaped
        "%2E%2E%2Fevents",
        "a/../..", // a walk up
        "a\\..\\..", // with backslashes
        "a\nb",
        "a\rb",
        "a\0b",
        "a\u202Eb", // a right-to-left override: reads as something it is not
        "a b",
        "a?b=c",
        "a#b",
        "\u00e9", // a letter, but not ASCII
        new string('a', TranscriptId.MaxLength + 1),
        "",
        "   ",
    };

    [Theory]
    [MemberData(nameof(TrickyIds))]
    public async Task An_id_not_of_reflectors_shape_fails_at_once_with_the_allowed_shape_and_sends_reflector_nothing(string transcriptId)
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var user = NewUser();
        await using var tab = await TranscriptTab.OpenAsync(relay, user);
        await tab.Client.WaitForStateAsync(UpstreamState.Connected);
        var requestsBefore = fixture.Reflector.RecentRequestTargets();
        var connectionsBefore = fixture.Reflector.TotalConnections;

        var refused = await Assert.ThrowsAsync<HubException>(() => tab.SubscribeAsync(transcriptId));

        Assert.Contains("1 to 64 ASCII letters, digits, '-' or '_'", refused.Message, StringComparison.Ordinal);
        // A subscription that went upstream completes only once Reflector answered its handshake: had this one been
        // sent anywhere, the simulator would have seen the request by now.
        Assert.Equal(requestsBefore, fixture.Reflector.RecentRequestTargets());
        Assert.Equal(connectionsBefore, fixture.Reflector.TotalConnections);
        Assert.Equal(0, relay.Upstreams.TranscriptStreamCount);
        Assert.Equal(1, fixture.Reflector.OpenSockets(user));
        Assert.Equal(1, fixture.Reflector.Handshakes(user));
        // Unsubscribing from it is nothing, and the connection is unharmed.
        await tab.UnsubscribeAsync(transcriptId);
        Assert.Equal(Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected, tab.Client.Connection.State);
    }

    [Fact]
    public async Task A_valid_id_reaches_exactly_its_transcripts_path_and_nothing_else()
    {
        await using var relay = new RelayFactory(fixture.Reflector);
        var user = NewUser();
        var transcriptId = fixture.Reflector.CreateTranscript(user, TranscriptShareMode.Private);
        var madeUp = "Made_up-" + Guid.NewGuid().ToString("N")[..12];
        await using var tab = await TranscriptTab.OpenAsync(relay, user);
        await tab.Client.WaitForStateAsync(UpstreamState.Connected);
        var before = fixture.Reflector.RecentRequestTargets().Count;
        var connectionsBefore = fixture.Reflector.TotalConnections;

        await tab.SubscribeAsync(transcriptId);
        await Assert.ThrowsAsync<HubException>(() => tab.SubscribeAsync(madeUp));

        Assert.Equal(
            [$"/v1/transcripts/{transcriptId}/events", $"/v1/transcripts/{madeUp}/events"],
            fixture.Reflector.RecentRequestTargets().Skip(before));
        Assert.Equal(connectionsBefore + 2, fixture.Reflector.TotalConnections);
        Assert.Equal(1, fixture.Reflector.TranscriptHandshakes(transcriptId));
        Assert.Equal(1, fixture.Reflector.TranscriptRefusedHandshakes(madeUp));
    }

    [Fact]
    public async Task A_refused_id_is_logged_by_its_length_only()
    {
        var sink = new CapturingSink();
        await using var relay = new RelayFactory(
            fixture.Reflector,
            new Dictionary<string, string?>
            {
                // Everything the relay itself writes; the framework at the level a deployment runs it.
                ["Serilog:MinimumLevel:Default"] = "Verbose",
                ["Serilog:MinimumLevel:Override:Reflector.Relay"] = "Verbose",
                ["Serilog:MinimumLevel:Override:Microsoft"] = "Information",
                ["Serilog:MinimumLevel:Override:System"] = "Information",
                ["Serilog:WriteTo:0:Name"] = "Console",
                ["Serilog:WriteTo:0:Args:restrictedToMinimumLevel"] = "Fatal",
            },
            services => services.AddSingleton<ILogEventSink>(sink));
        await using var tab = await TranscriptTab.OpenAsync(relay, NewUser());
        await tab.Client.WaitForStateAsync(UpstreamState.Connected);
        var ids = new[] { $"../{Marker}", $"{Marker}\nforged log line", $"{Marker}\0", $"{Marker}\u202Etxt.exe" };

        foreach (var id in ids)
        {
            await Assert.ThrowsAsync<HubException>(() => tab.SubscribeAsync(id));
        }

        var lines = sink.Events.Select(CapturingSink.Render).ToArray();
        Assert.Contains(lines, line => line.Contains("not of a transcript id's shape", StringComparison.Ordinal) &&
                                       line.Contains($"Length={ids[1].Length}", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains(Marker, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a/b")]
    [InlineData("%2e%2e")]
    [InlineData("a\nb")]
    [InlineData("")]
    public void The_upstream_address_is_never_built_from_an_id_of_another_shape(string transcriptId)
    {
        var options = new UpstreamOptions { EventsUrl = "ws://reflector:1250/v1/events" };

        var refused = Assert.Throws<ArgumentException>(() => options.TranscriptEventsUri(transcriptId));

        Assert.StartsWith(TranscriptId.ShapeRequired, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ws://reflector:1250/v1/events", null)]
    [InlineData("ws://reflector:1250/v1/events", "wss://api.example.com/api/v1/transcripts/{transcriptId}/events")]
    public void A_valid_id_is_one_path_segment_where_the_template_puts_it(string eventsUrl, string? template)
    {
        var options = new UpstreamOptions { EventsUrl = eventsUrl, TranscriptEventsUrl = template };
        var transcriptId = "0b3c0f5e-7d0a-4c5e-9a51-Ab_9";

        var address = options.TranscriptEventsUri(transcriptId);

        var expected = (template ?? "ws://reflector:1250/v1/transcripts/{transcriptId}/events").Replace("{transcriptId}", transcriptId, StringComparison.Ordinal);
        Assert.Equal(expected, address.AbsoluteUri);
    }

    private static string NewUser() => "ids-" + Guid.NewGuid().ToString("N");
}
