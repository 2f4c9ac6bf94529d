using Microsoft.Extensions.Options;
using Reflector.Relay;
using Reflector.Relay.Logging;
using Serilog;

// Until the host's own logger exists, start-up failures (bad configuration) still reach the console.
Log.Logger = new LoggerConfiguration().Enrich.With<TokenRedactor>().WriteTo.Console().CreateLogger();

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddReflectorRelay();

    var app = builder.Build();
    app.MapReflectorRelay();
    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (InvalidConfiguration(exception) is { Count: > 0 } failures)
{
    Log.Fatal("Reflector Relay cannot start, the configuration is invalid: {Failures}", string.Join(" ", failures));
    return 1;
}
catch (Exception exception) when (exception is not HostAbortedException)
{
    Log.Fatal(exception, "Reflector Relay stopped unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

// Several invalid sections arrive together, wrapped in an AggregateException.
static List<string> InvalidConfiguration(Exception exception) => exception switch
{
    OptionsValidationException invalid => [.. invalid.Failures],
    AggregateException aggregate => [.. aggregate.InnerExceptions.SelectMany(InvalidConfiguration)],
    _ => [],
};

public partial class Program;
