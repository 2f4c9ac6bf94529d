using Yarp.ReverseProxy.Configuration;

// The "plain proxy" the benchmark compares the relay with: YARP forwarding every request, WebSocket
// upgrades included, 1:1 to one destination. Usage: --urls http://127.0.0.1:PORT --destination http://127.0.0.1:PORT
var destination = ArgumentAfter(args, "--destination")
    ?? throw new ArgumentException("usage: Reflector.Relay.Bench.Yarp --urls URL --destination URL");

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "reflector", Match = new RouteMatch { Path = "{**path}" } }],
    [new ClusterConfig { ClusterId = "reflector", Destinations = new Dictionary<string, DestinationConfig> { ["simulator"] = new() { Address = destination } } }]);

var app = builder.Build();
app.MapReverseProxy();
await app.RunAsync();

static string? ArgumentAfter(string[] args, string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
