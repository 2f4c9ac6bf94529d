using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Reflector.Relay.Diagnostics;
using Reflector.Relay.Hubs;

namespace Reflector.Relay.Tests.Hubs;

/// <summary>The binding store alone, on fake time: what keeps a binding, and what alone lets one go.</summary>
public sealed class ConnectionBindingsTests : IDisposable
{
    // SignalR's defaults: 15 s to take up a negotiated connection, 15 s for its handshake.
    private static readonly TimeSpan UnstartedLifetime = TimeSpan.FromSeconds(45);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);
    private readonly ConnectionBindings _bindings;

    public ConnectionBindingsTests() =>
        _bindings = new ConnectionBindings(
            Microsoft.Extensions.Options.Options.Create(new ConnectionOptions()),
            Microsoft.Extensions.Options.Options.Create(new HubOptions()),
            new RelayMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            _time);

    [Fact]
    public void A_started_connections_binding_outlives_any_amount_of_time_and_ends_only_with_its_connection()
    {
        _bindings.BindNegotiated("token-a", "connection-a", "alice");
        Assert.True(_bindings.Start("token-a", "connection-a", "alice"));

        _time.Advance(TimeSpan.FromDays(3));

        Assert.Equal(BindingCheck.Owner, _bindings.Check("token-a", "alice"));
        Assert.Equal(BindingCheck.Foreign, _bindings.Check("token-a", "mallory"));
        _bindings.Release("connection-a");
        Assert.Equal(BindingCheck.Unknown, _bindings.Check("token-a", "alice"));
        Assert.Equal(0, _bindings.Count);
    }

    [Fact]
    public void A_negotiated_token_that_never_starts_is_forgotten_only_after_signalr_can_no_longer_start_it()
    {
        _bindings.BindNegotiated("token-a", "connection-a", "alice");

        _time.Advance(UnstartedLifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(BindingCheck.Foreign, _bindings.Check("token-a", "mallory"));

        _time.Advance(UnstartedLifetime);
        Assert.Equal(BindingCheck.Unknown, _bindings.Check("token-a", "alice"));
        Assert.Equal(0, _bindings.Count);
    }

    [Fact]
    public void A_connection_cannot_start_on_a_token_negotiated_by_another_user()
    {
        _bindings.BindNegotiated("token-a", "connection-a", "alice");

        Assert.False(_bindings.Start("token-a", "connection-a", "mallory"));
        Assert.Equal(BindingCheck.Owner, _bindings.Check("token-a", "alice"));
    }

    [Fact]
    public void A_websocket_that_skipped_negotiate_is_bound_under_its_connection_id()
    {
        Assert.True(_bindings.Start(connectionToken: null, "connection-a", "alice"));

        Assert.Equal(BindingCheck.Foreign, _bindings.Check("connection-a", "mallory"));
        Assert.Equal(1, _bindings.Count);
        _bindings.Release("connection-a");
        Assert.Equal(0, _bindings.Count);
    }

    [Fact]
    public void Releasing_a_connection_twice_or_one_not_started_yet_changes_nothing()
    {
        _bindings.BindNegotiated("token-a", "connection-a", "alice");
        _bindings.Start("token-a", "connection-a", "alice");
        _bindings.BindNegotiated("token-b", "connection-b", "bob");

        _bindings.Release("connection-a");
        _bindings.Release("connection-a");
        _bindings.Release("connection-b");

        Assert.Equal(1, _bindings.Count);
        Assert.Equal(BindingCheck.Owner, _bindings.Check("token-b", "bob"));
    }

    public void Dispose()
    {
        _bindings.Dispose();
        _services.Dispose();
    }
}
