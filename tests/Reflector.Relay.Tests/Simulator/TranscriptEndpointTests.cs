using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Reflector.Relay.Tests.Infrastructure;
using Reflector.Simulator;

namespace Reflector.Relay.Tests.Simulator;

/// <summary>
/// The simulator's GET /v1/transcripts/{id}/events, read with real client sockets: replay then live events,
/// Reflector's access rules per share mode, refusals before the upgrade, counts and drops.
/// </summary>
public sealed class TranscriptEndpointTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private SimulatedReflector Reflector => fixture.Reflector;

    [Fact]
    public async Task Replay_sends_stored_events_in_order_without_TRANSCRIPT_and_STATUS_then_live_events()
    {
        var id = Reflector.CreateTranscript(owner: null, TranscriptShareMode.Public);
        await Reflector.EmitTranscriptEventAsync(id, "TRANSCRIPT", new { text = "hello", translation = (string?)null });
        await Reflector.EmitTranscriptEventAsync(id, "TOPIC", Topic("t1", "First title"));
        await Reflector.EmitTranscriptEventAsync(id, "STATUS", new { value = "recording" });
        await Reflector.EmitTranscriptEventAsync(id, "DURATION", new { duration = 12.5 });
        await Reflector.EmitTranscriptEventAsync(id, "TOPIC", Topic("t1", "Better title"));
        await Reflector.EmitTranscriptEventAsync(id, "WAVEFORM", new { waveform = Enumerable.Repeat(0.5, 255) });
        await Reflector.EmitTranscriptEventAsync(id, "FINAL_TITLE", new { title = "Weekly sync" });
        await Reflector.EmitTranscriptEventAsync(id, "FINAL_LONG_SUMMARY", new { long_summary = "Long." });
        await Reflector.EmitTranscriptEventAsync(id, "FINAL_SHORT_SUMMARY", new { short_summary = "Short." });
        await Reflector.EmitTranscriptEventAsync(id, "ACTION_ITEMS", new { action_items = new { decisions = new[] { "ship" } } });
        Assert.Equal(8, Reflector.StoredTranscriptEvents(id));

        using var socket = await ConnectAsync(id);
        Assert.Null(socket.SubProtocol);
        await Reflector.WaitForTranscriptHandshakesAsync(id, 1, TestTimeouts.Default).DefaultTimeout();

        // Queued after the replay, so it marks where the replay ended.
        Assert.Equal(1, await Reflector.EmitTranscriptEventAsync(id, "TRANSCRIPT", new { text = "live", translation = "en direct" }).DefaultTimeout());
        Assert.Equal(1, await Reflector.EmitTranscriptEventAsync(id, "STATUS", new { value = "ended" }).DefaultTimeout());

        var replay = new List<string>();
        string raw;
        while (!(raw = await ReceiveTextAsync(socket)).Contains("\"TRANSCRIPT\"", StringComparison.Ordinal))
        {
            replay.Add(raw);
        }

        Assert.Equal(
            ["TOPIC", "DURATION", "TOPIC", "WAVEFORM", "FINAL_TITLE", "FINAL_LONG_SUMMARY", "FINAL_SHORT_SUMMARY", "ACTION_ITEMS"],
            replay.Select(frame => EventName(frame)));
        Assert.Equal(
            """{"event":"TOPIC","data":{"id":"t1","title":"First title","summary":"s","timestamp":1.5,"duration":null,"transcript":"hi","segments":[{"text":"hi","start":1.5,"speaker":0}]}}""",
            replay[0]);
        Assert.Equal("Better title", Data(replay[2]).GetProperty("title").GetString());
        Assert.Equal("""{"event":"DURATION","data":{"duration":12.5}}""", replay[1]);
        Assert.Equal("""{"event":"TRANSCRIPT","data":{"text":"live","translation":"en direct"}}""", raw);
        Assert.Equal("""{"event":"STATUS","data":{"value":"ended"}}""", await ReceiveTextAsync(socket));

        // Live-only events were not stored.
        Assert.Equal(8, Reflector.StoredTranscriptEvents(id));
        await CloseAsync(socket);
    }

    [Fact]
    public async Task Private_transcript_admits_only_its_owner()
    {
        var owner = "owner-" + Guid.NewGuid().ToString("N");
        var id = Reflector.CreateTranscript(owner, TranscriptShareMode.Private);

        using var socket = await ConnectAsync(id, Reflector.IssueToken(owner, TimeSpan.FromMinutes(5)));
        Assert.Equal("bearer", socket.SubProtocol);
        await Reflector.WaitForTranscriptOpenSocketsAsync(id, owner, 1, TestTimeouts.Default).DefaultTimeout();

        Assert.Equal(HttpStatusCode.Forbidden, await RefusedStatusAsync(id, Reflector.IssueToken("someone-else", TimeSpan.FromMinutes(5))));
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedStatusAsync(id, token: null));
        Assert.Equal(2, Reflector.TranscriptRefusedHandshakes(id));
        Assert.Equal(1, Reflector.TranscriptHandshakes(id));
        await CloseAsync(socket);
    }

    [Fact]
    public async Task Semi_private_transcript_admits_any_signed_in_user_but_not_anonymous_clients()
    {
        var id = Reflector.CreateTranscript("owner", TranscriptShareMode.SemiPrivate);

        using var socket = await ConnectAsync(id, Reflector.IssueToken("colleague", TimeSpan.FromMinutes(5)));
        Assert.Equal("bearer", socket.SubProtocol);
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedStatusAsync(id, token: null));
        await CloseAsync(socket);
    }

    [Fact]
    public async Task Public_transcript_admits_anonymous_clients_but_refuses_an_expired_token()
    {
        var id = Reflector.CreateTranscript("owner", TranscriptShareMode.Public);

        using var socket = await ConnectAsync(id);
        await Reflector.WaitForTranscriptOpenSocketsAsync(id, user: null, 1, TestTimeouts.Default).DefaultTimeout();

        // An offered token is checked even where none is needed.
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedStatusAsync(id, Reflector.IssueToken("owner", TimeSpan.FromMinutes(-1))));
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedStatusAsync(id, "not-a-jwt"));
        await CloseAsync(socket);
    }

    [Fact]
    public async Task Transcript_without_an_owner_is_open_to_anyone_whatever_its_share_mode()
    {
        var id = Reflector.CreateTranscript(owner: null, TranscriptShareMode.Private);

        using var anonymous = await ConnectAsync(id);
        using var signedIn = await ConnectAsync(id, Reflector.IssueToken("anyone", TimeSpan.FromMinutes(5)));
        await Reflector.WaitForTranscriptOpenSocketsAsync(id, 2, TestTimeouts.Default).DefaultTimeout();
        await CloseAsync(anonymous);
        await CloseAsync(signedIn);
    }

    [Fact]
    public async Task Missing_transcript_is_refused_with_404_before_the_upgrade()
    {
        var id = "missing-" + Guid.NewGuid().ToString("N");

        Assert.Equal(HttpStatusCode.NotFound, await RefusedStatusAsync(id, token: null));
        Assert.Equal(HttpStatusCode.NotFound, await RefusedStatusAsync(id, Reflector.IssueToken("someone", TimeSpan.FromMinutes(5))));
        Assert.Equal(2, Reflector.TranscriptRefusedHandshakes(id));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Reflector.EmitTranscriptEventAsync(id, "DURATION", new { duration = 1.0 }));
    }

    [Fact]
    public async Task Deleted_transcript_refuses_new_sockets_while_an_open_one_stays_and_still_gets_live_events()
    {
        var id = Reflector.CreateTranscript("owner", TranscriptShareMode.Private);
        var token = Reflector.IssueToken("owner", TimeSpan.FromMinutes(5));
        using var socket = await ConnectAsync(id, token);
        await Reflector.WaitForTranscriptHandshakesAsync(id, 1, TestTimeouts.Default).DefaultTimeout();

        Reflector.DeleteTranscript(id);

        Assert.Equal(HttpStatusCode.Forbidden, await RefusedStatusAsync(id, token));
        Assert.Equal(1, Reflector.TranscriptOpenSockets(id));
        Assert.Equal(1, await Reflector.EmitTranscriptEventAsync(id, "STATUS", new { value = "ended" }).DefaultTimeout());
        Assert.Equal("""{"event":"STATUS","data":{"value":"ended"}}""", await ReceiveTextAsync(socket));
        Assert.Equal(WebSocketState.Open, socket.State);
        await CloseAsync(socket);
    }

    [Fact]
    public async Task Open_sockets_are_counted_per_transcript_and_per_user()
    {
        var id = Reflector.CreateTranscript(owner: null, TranscriptShareMode.Public);
        var user = "counted-" + Guid.NewGuid().ToString("N");
        var token = Reflector.IssueToken(user, TimeSpan.FromMinutes(5));

        using var first = await ConnectAsync(id, token);
        using var second = await ConnectAsync(id, token);
        using var anonymous = await ConnectAsync(id);
        await Reflector.WaitForTranscriptHandshakesAsync(id, 3, TestTimeouts.Default).DefaultTimeout();
        Assert.Equal(3, Reflector.TranscriptOpenSockets(id));
        Assert.Equal(2, Reflector.TranscriptOpenSockets(id, user));
        Assert.Equal(1, Reflector.TranscriptOpenSockets(id, null));
        Assert.Equal(0, Reflector.TranscriptOpenSockets(id, "nobody"));

        await CloseAsync(second);
        await Reflector.WaitForTranscriptOpenSocketsAsync(id, user, 1, TestTimeouts.Default).DefaultTimeout();
        Assert.Equal(2, Reflector.TranscriptOpenSockets(id));
        Assert.Equal(3, Reflector.TranscriptHandshakes(id));
        Assert.Equal(2, await Reflector.EmitTranscriptEventAsync(id, "DURATION", new { duration = 3.0 }).DefaultTimeout());

        await CloseAsync(first);
        await CloseAsync(anonymous);
        await Reflector.WaitForTranscriptOpenSocketsAsync(id, 0, TestTimeouts.Default).DefaultTimeout();
    }

    [Fact]
    public async Task Dropped_socket_reconnects_and_gets_the_replay_again()
    {
        var id = Reflector.CreateTranscript(owner: null, TranscriptShareMode.Public);
        var other = Reflector.CreateTranscript(owner: null, TranscriptShareMode.Public);
        await Reflector.EmitTranscriptEventAsync(id, "FINAL_TITLE", new { title = "Kept" });

        using var socket = await ConnectAsync(id);
        using var bystander = await ConnectAsync(other);
        Assert.Equal("""{"event":"FINAL_TITLE","data":{"title":"Kept"}}""", await ReceiveTextAsync(socket));
        await Reflector.WaitForTranscriptOpenSocketsAsync(other, 1, TestTimeouts.Default).DefaultTimeout();

        await Reflector.DropTranscriptAsync(id).DefaultTimeout();

        Assert.Equal(0, Reflector.TranscriptOpenSockets(id));
        await Assert.ThrowsAsync<WebSocketException>(() => ReceiveTextAsync(socket));
        Assert.Equal(1, Reflector.TranscriptOpenSockets(other));

        using var again = await ConnectAsync(id);
        Assert.Equal("""{"event":"FINAL_TITLE","data":{"title":"Kept"}}""", await ReceiveTextAsync(again));
        await Reflector.WaitForTranscriptHandshakesAsync(id, 2, TestTimeouts.Default).DefaultTimeout();
        await CloseAsync(again);
        await CloseAsync(bystander);
    }

    [Fact]
    public async Task Drop_all_refusal_mode_and_outage_apply_to_transcript_sockets()
    {
        await using var reflector = await SimulatedReflector.StartAsync(new SimulatorOptions()).DefaultTimeout();
        var id = reflector.CreateTranscript(owner: null, TranscriptShareMode.Public);

        using (var socket = await ConnectAsync(reflector, id))
        using (var userSocket = NewSocket(reflector.IssueToken("dropped-user", TimeSpan.FromMinutes(5))))
        {
            await userSocket.ConnectAsync(reflector.EventsUrl, CancellationToken.None).DefaultTimeout();
            await reflector.WaitForOpenSocketsAsync("dropped-user", 1, TestTimeouts.Default).DefaultTimeout();
            await reflector.WaitForTranscriptOpenSocketsAsync(id, 1, TestTimeouts.Default).DefaultTimeout();

            await reflector.DropAllAsync().DefaultTimeout();

            Assert.Equal(0, reflector.TranscriptOpenSockets(id));
            Assert.Equal(0, reflector.OpenSockets("dropped-user"));
            await Assert.ThrowsAsync<WebSocketException>(() => ReceiveTextAsync(socket));
        }

        reflector.RefuseAll = true;
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedStatusAsync(reflector, id, token: null));
        reflector.RefuseAll = false;

        using (var socket = await ConnectAsync(reflector, id))
        {
            await reflector.WaitForTranscriptHandshakesAsync(id, 2, TestTimeouts.Default).DefaultTimeout();
            reflector.BeginOutage();
            Assert.Equal(0, reflector.TranscriptOpenSockets(id));
            await Assert.ThrowsAsync<WebSocketException>(() => ReceiveTextAsync(socket));
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(reflector, id, token: null));
        reflector.EndOutage();
        using var back = await ConnectAsync(reflector, id);
        await reflector.WaitForTranscriptHandshakesAsync(id, 3, TestTimeouts.Default).DefaultTimeout();
        await CloseAsync(back);
    }

    [Fact]
    public void Url_template_keeps_a_literal_id_placeholder()
    {
        var template = Reflector.TranscriptEventsUrlTemplate.ToString();

        Assert.Equal($"ws://{Reflector.BaseAddress.Authority}/v1/transcripts/{{transcriptId}}/events", template);
        Assert.Equal($"ws://{Reflector.BaseAddress.Authority}/v1/transcripts/abc/events", Reflector.TranscriptEventsUrl("abc").ToString());
    }

    [Fact]
    public async Task Dev_endpoints_create_emit_sample_data_count_and_delete()
    {
        using var http = new HttpClient { BaseAddress = Reflector.BaseAddress, Timeout = TestTimeouts.Default };

        var created = await http.PostAsJsonAsync("dev/transcripts", new { owner = "dev-owner", shareMode = "semi-private" }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout();
        var id = body.GetProperty("id").GetString()!;
        Assert.Equal("semi-private", body.GetProperty("shareMode").GetString());

        using var socket = await ConnectAsync(id, Reflector.IssueToken("viewer", TimeSpan.FromMinutes(5)));
        await Reflector.WaitForTranscriptHandshakesAsync(id, 1, TestTimeouts.Default).DefaultTimeout();

        var emitted = await http.PostAsJsonAsync($"dev/transcripts/{id}/events", new { @event = "TOPIC" }).DefaultTimeout();
        Assert.Equal(1, (await emitted.Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout()).GetProperty("delivered").GetInt32());
        var topic = Data(await ReceiveTextAsync(socket));
        Assert.False(string.IsNullOrEmpty(topic.GetProperty("id").GetString()));
        Assert.NotEmpty(topic.GetProperty("segments").EnumerateArray());

        await http.PostAsJsonAsync($"dev/transcripts/{id}/events", new { @event = "WAVEFORM" }).DefaultTimeout();
        var waveform = Data(await ReceiveTextAsync(socket)).GetProperty("waveform").EnumerateArray().Select(value => value.GetDouble()).ToArray();
        Assert.Equal(255, waveform.Length);
        Assert.All(waveform, value => Assert.InRange(value, 0, 1));

        await http.PostAsJsonAsync($"dev/transcripts/{id}/events", new { @event = "DURATION" }).DefaultTimeout();
        await http.PostAsJsonAsync($"dev/transcripts/{id}/events", new { @event = "DURATION" }).DefaultTimeout();
        var firstDuration = Data(await ReceiveTextAsync(socket)).GetProperty("duration").GetDouble();
        Assert.True(Data(await ReceiveTextAsync(socket)).GetProperty("duration").GetDouble() > firstDuration, "DURATION grows");

        var given = await http.PostAsJsonAsync($"dev/transcripts/{id}/events", new { @event = "FINAL_TITLE", data = new { title = "Given" } }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, given.StatusCode);
        Assert.Equal("""{"event":"FINAL_TITLE","data":{"title":"Given"}}""", await ReceiveTextAsync(socket));

        var load = await http.PostAsJsonAsync($"dev/transcripts/{id}/load", new { eventsPerSecond = 400, seconds = 0.1 }).DefaultTimeout();
        var loadResult = await load.Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout();
        Assert.Equal(40, loadResult.GetProperty("sent").GetInt64());
        Assert.Equal(40, loadResult.GetProperty("delivered").GetInt64());
        var loaded = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            loaded.Add(EventName(await ReceiveTextAsync(socket)));
        }

        Assert.Equal(Enumerable.Range(0, 40).Select(LoadEventAt), loaded);

        var stats = await http.GetFromJsonAsync<JsonElement>($"dev/transcripts/{id}/stats").DefaultTimeout();
        Assert.Equal(1, stats.GetProperty("handshakes").GetInt32());
        Assert.Equal(1, stats.GetProperty("openSockets").GetInt32());
        Assert.Equal(1, stats.GetProperty("openSocketsByUser").GetProperty("viewer").GetInt32());
        Assert.Equal(5 + 8, stats.GetProperty("storedEvents").GetInt32()); // TOPIC, WAVEFORM, 2 DURATION, FINAL_TITLE; the load's 8 non-TRANSCRIPT

        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync($"dev/transcripts/{id}").DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, await RefusedStatusAsync(id, Reflector.IssueToken("viewer", TimeSpan.FromMinutes(5))));

        var drop = await http.PostAsync($"dev/transcripts/{id}/drop", content: null).DefaultTimeout();
        Assert.Equal(1, (await drop.Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout()).GetProperty("dropped").GetInt32());
        Assert.Equal(0, Reflector.TranscriptOpenSockets(id));

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("dev/transcripts/nope/stats").DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsJsonAsync("dev/transcripts/nope/events", new { @event = "TOPIC" }).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("dev/transcripts", new { shareMode = "secret" }).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsJsonAsync("dev/transcripts", new { id }).DefaultTimeout()).StatusCode);
    }

    [Fact]
    public async Task A_stamped_load_puts_run_sequence_and_send_time_in_TRANSCRIPT_texts_and_TOPIC_ids()
    {
        var id = Reflector.CreateTranscript(owner: null, TranscriptShareMode.Public);
        using var socket = await ConnectAsync(id);
        await Reflector.WaitForTranscriptHandshakesAsync(id, 1, TestTimeouts.Default).DefaultTimeout();
        using var http = new HttpClient { BaseAddress = Reflector.BaseAddress, Timeout = TestTimeouts.Default };

        var before = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10;
        var load = await http.PostAsJsonAsync($"dev/transcripts/{id}/load", new { eventsPerSecond = 400, seconds = 0.05, runId = "run7", topicSegments = 30 }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        var after = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10;

        for (var sequence = 0; sequence < 20; sequence++)
        {
            var frame = await ReceiveTextAsync(socket);
            Assert.Equal(LoadEventAt(sequence), EventName(frame));
            var stamp = EventName(frame) switch
            {
                "TOPIC" => Data(frame).GetProperty("id").GetString(),
                "TRANSCRIPT" => Data(frame).GetProperty("text").GetString(),
                _ => null,
            };
            if (stamp is null)
            {
                continue;
            }

            var parts = stamp.Split(':');
            Assert.Equal("run7", parts[0]);
            Assert.Equal(sequence, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
            Assert.InRange(long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture), before, after);
            if (EventName(frame) == "TOPIC")
            {
                Assert.Equal(30, Data(frame).GetProperty("segments").GetArrayLength());
                Assert.True(frame.Length > 2_000, $"a 30-segment topic is several KB, not {frame.Length} bytes");
            }
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync($"dev/transcripts/{id}/load", new { eventsPerSecond = 1, seconds = 1, runId = "a:b" }).DefaultTimeout()).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync($"dev/transcripts/{id}/load", new { eventsPerSecond = 1, seconds = 1, topicSegments = 0 }).DefaultTimeout()).StatusCode);
    }

    // The load's mix: of every 20 events, one TOPIC, one WAVEFORM, two DURATION, the rest TRANSCRIPT.
    private static string LoadEventAt(int sequence) => (sequence % 20) switch
    {
        0 => "TOPIC",
        5 or 15 => "DURATION",
        10 => "WAVEFORM",
        _ => "TRANSCRIPT",
    };

    private static object Topic(string id, string title) => new
    {
        id,
        title,
        summary = "s",
        timestamp = 1.5,
        duration = (double?)null,
        transcript = "hi",
        segments = new[] { new { text = "hi", start = 1.5, speaker = 0 } },
    };

    private Task<ClientWebSocket> ConnectAsync(string transcriptId, string? token = null) => ConnectAsync(Reflector, transcriptId, token);

    private static async Task<ClientWebSocket> ConnectAsync(SimulatedReflector reflector, string transcriptId, string? token = null)
    {
        var socket = NewSocket(token);
        await socket.ConnectAsync(reflector.TranscriptEventsUrl(transcriptId), CancellationToken.None).DefaultTimeout();
        return socket;
    }

    private Task<HttpStatusCode> RefusedStatusAsync(string transcriptId, string? token) => RefusedStatusAsync(Reflector, transcriptId, token);

    // The status of a handshake expected to fail before the upgrade.
    private static async Task<HttpStatusCode> RefusedStatusAsync(SimulatedReflector reflector, string transcriptId, string? token)
    {
        using var socket = NewSocket(token);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(reflector.TranscriptEventsUrl(transcriptId), CancellationToken.None).DefaultTimeout());
        return socket.HttpStatusCode;
    }

    private static ClientWebSocket NewSocket(string? token)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            socket.Options.AddSubProtocol("bearer");
            socket.Options.AddSubProtocol(token);
        }

        return socket;
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket)
    {
        var buffer = new byte[4096];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).DefaultTimeout();
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(message.ToArray());
            }
        }
    }

    private static async Task CloseAsync(ClientWebSocket socket) =>
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).DefaultTimeout();

    private static string EventName(string frame)
    {
        using var document = JsonDocument.Parse(frame);
        return document.RootElement.GetProperty("event").GetString()!;
    }

    private static JsonElement Data(string frame)
    {
        using var document = JsonDocument.Parse(frame);
        return document.RootElement.GetProperty("data").Clone();
    }
}
