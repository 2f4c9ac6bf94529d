using System.Text.RegularExpressions;
using Serilog.Core;
using Serilog.Events;

namespace Reflector.Relay.Logging;

/// <summary>
/// Rewrites every string property of every log event so that no bearer token survives: the
/// <c>access_token</c> query value, <c>Bearer …</c> values, and anything shaped like a JWT.
/// Runs last among the enrichers, so framework logs (request lines with query strings) are covered too.
/// </summary>
internal sealed partial class TokenRedactor : ILogEventEnricher
{
    private const string Redacted = "[redacted]";

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        foreach (var (name, value) in logEvent.Properties)
        {
            var redacted = Redact(value);
            if (!ReferenceEquals(redacted, value))
            {
                logEvent.AddOrUpdateProperty(new LogEventProperty(name, redacted));
            }
        }
    }

    public static string Redact(string text)
    {
        if (text.Length < 8)
        {
            return text;
        }

        text = QueryToken().Replace(text, "$1" + Redacted);
        text = BearerValue().Replace(text, "$1" + Redacted);
        return JwtShaped().Replace(text, Redacted);
    }

    private static LogEventPropertyValue Redact(LogEventPropertyValue value)
    {
        switch (value)
        {
            case ScalarValue { Value: string text }:
                var redacted = Redact(text);
                return ReferenceEquals(redacted, text) || redacted == text ? value : new ScalarValue(redacted);
            case SequenceValue sequence:
                var elements = sequence.Elements.Select(Redact).ToArray();
                return elements.SequenceEqual(sequence.Elements) ? value : new SequenceValue(elements);
            case StructureValue structure:
                var properties = structure.Properties.Select(p => new LogEventProperty(p.Name, Redact(p.Value))).ToArray();
                return properties.Select(p => p.Value).SequenceEqual(structure.Properties.Select(p => p.Value))
                    ? value
                    : new StructureValue(properties, structure.TypeTag);
            case DictionaryValue dictionary:
                var entries = dictionary.Elements.Select(e => KeyValuePair.Create(e.Key, Redact(e.Value))).ToArray();
                return entries.Select(e => e.Value).SequenceEqual(dictionary.Elements.Select(e => e.Value))
                    ? value
                    : new DictionaryValue(entries);
            default:
                return value;
        }
    }

    [GeneratedRegex(@"(access_token=)[^&\s""']+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QueryToken();

    // Also covers the WebSocket subprotocol form "bearer, <token>".
    [GeneratedRegex(@"(bearer[\s,]+)[A-Za-z0-9\-_.~+/]+=*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerValue();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*", RegexOptions.CultureInvariant)]
    private static partial Regex JwtShaped();
}
