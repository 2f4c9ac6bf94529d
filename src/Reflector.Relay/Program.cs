using Microsoft.Extensions.Options;
using Reflector.Relay;
using Serilog;

// Until the host's own logger exists, start-up failures (bad configuration) still reach the console.
Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateLogger();

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddReflectorRelay();

    var app = builder.Build();
    app.MapReflectorRelay();
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException invalid)
{
    Log.Fatal("Reflector Relay cannot start, the configuration is invalid: {Failures}", string.Join(" ", invalid.Failures));
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

public partial class Program;
