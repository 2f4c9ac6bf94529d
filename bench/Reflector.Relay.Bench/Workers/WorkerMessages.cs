using System.Text.Json;
using System.Text.Json.Serialization;
using Reflector.Relay.Bench.Clients;
using Reflector.Relay.Bench.Measurement;

namespace Reflector.Relay.Bench.Workers;

/// <summary>
/// One command to a client worker, one JSON line on its standard input: <c>connect</c> (these tabs, with these
/// tokens), <c>begin</c> (record a run), <c>delivered</c>, <c>end</c> (what the run recorded), <c>open</c>, <c>exit</c>.
/// </summary>
internal sealed record WorkerRequest(string Op)
{
    public TabProtocol Protocol { get; init; }

    /// <summary>Connect: the tabs' indices in the whole fleet, each one's address (a cluster's tabs go to its nodes) and token.</summary>
    public int[] Tabs { get; init; } = [];

    public Uri[] Urls { get; init; } = [];

    public string[] Tokens { get; init; } = [];

    public int Concurrency { get; init; } = 1;

    /// <summary>Connect: the source addresses, spread as the whole fleet's (<see cref="SourceAddresses"/>).</summary>
    public int SourceBlock { get; init; }

    public int MostConnections { get; init; }

    public int ConnectionsPerAddress { get; init; }

    /// <summary>Begin: the run's id, the fleet's tab count and the deliveries expected in all.</summary>
    public string RunId { get; init; } = "";

    public int TabCount { get; init; }

    public long ExpectedDeliveries { get; init; }
}

/// <summary>A client worker's answer, one JSON line on its standard output; <see cref="Error"/> when the command failed.</summary>
internal sealed record WorkerReply
{
    public string? Error { get; init; }

    public int Connected { get; init; }

    public int[] FailedTabs { get; init; } = [];

    public string? FirstError { get; init; }

    public bool Refused { get; init; }

    public long Delivered { get; init; }

    public int Open { get; init; }

    public RecordingPart? Part { get; init; }
}

internal static class WorkerJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
