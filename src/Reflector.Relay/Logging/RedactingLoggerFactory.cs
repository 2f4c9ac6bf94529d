namespace Reflector.Relay.Logging;

/// <summary>
/// Wraps every logger so an exception whose text carries a token (a URI with <c>access_token</c>, a bearer
/// header echoed in a message) reaches the sinks with that text redacted. Properties are handled by
/// <see cref="TokenRedactor"/>; exceptions cannot be rewritten by a Serilog enricher, so they are handled here.
/// </summary>
internal sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    // SignalR and Kestrel ask for loggers per connection; Serilog's factory builds a new logger each time,
    // so loggers are kept per category here, as Microsoft.Extensions.Logging's own factory does.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName, static (name, factory) => new RedactingLogger(factory.CreateLogger(name)), inner);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    /// <summary>Puts the wrapper around whatever <see cref="ILoggerFactory"/> is registered last.</summary>
    public static void Decorate(IServiceCollection services)
    {
        var registered = services.Last(descriptor => descriptor.ServiceType == typeof(ILoggerFactory));
        services.Remove(registered);
        services.AddSingleton<ILoggerFactory>(provider => new RedactingLoggerFactory(registered switch
        {
            { ImplementationInstance: ILoggerFactory instance } => instance,
            { ImplementationFactory: { } factory } => (ILoggerFactory)factory(provider),
            _ => (ILoggerFactory)ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!),
        }));
    }

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(
                logLevel,
                eventId,
                state,
                exception is null ? null : RedactedException.From(exception),
                // Structured state is redacted property by property downstream; the rendered text of a message
                // logged without a template is redacted here.
                (value, error) => TokenRedactor.Redact(formatter(value, error)));
    }
}

/// <summary>Stands in for an exception whose text carried a token: same type name and shape, token removed.</summary>
internal sealed class RedactedException : Exception
{
    private readonly string _text;

    private RedactedException(Exception original, string text)
        : base(TokenRedactor.Redact(original.Message))
    {
        _text = text;
        OriginalType = original.GetType().FullName ?? original.GetType().Name;
    }

    public string OriginalType { get; }

    public override string? StackTrace => null;

    public static Exception From(Exception exception)
    {
        var text = exception.ToString();
        var redacted = TokenRedactor.Redact(text);
        return ReferenceEquals(text, redacted) || text == redacted ? exception : new RedactedException(exception, redacted);
    }

    // The original's full text (type, message, inner exceptions, stack), redacted.
    public override string ToString() => _text;
}
