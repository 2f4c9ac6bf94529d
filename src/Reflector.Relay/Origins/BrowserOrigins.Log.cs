using Reflector.Relay.Logging;

namespace Reflector.Relay.Origins;

internal static partial class BrowserOriginsLog
{
    [LoggerMessage(LogEventIds.Admission.Refused, LogLevel.Warning, "Refused a browser connection from origin {Origin} to {Path}: not in Cors:AllowedOrigins")]
    public static partial void Refused(ILogger logger, string origin, PathString path);
}
