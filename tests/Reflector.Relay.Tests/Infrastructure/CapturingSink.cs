using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace Reflector.Relay.Tests.Infrastructure;

/// <summary>Keeps every Serilog event the relay writes, after its enrichers ran, as a sink would see it.</summary>
internal sealed class CapturingSink : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyCollection<LogEvent> Events => _events;

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    /// <summary>Everything a sink could write: rendered message, every property, the exception.</summary>
    public static string Render(LogEvent logEvent)
    {
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        logEvent.RenderMessage(writer, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in logEvent.Properties)
        {
            writer.Write($" {name}={value}");
        }

        writer.Write(logEvent.Exception?.ToString());
        return writer.ToString();
    }
}
