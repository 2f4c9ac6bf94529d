using System.Net;
using System.Net.WebSockets;
using Reflector.Relay.Proxies;
using Reflector.Relay.Tests.Infrastructure;

namespace Reflector.Relay.Tests.Proxies;

/// <summary>
/// The relay behind a reverse proxy on 127.0.0.1 (the test client plays the proxy): what a trusted proxy forwards
/// is the client's address, scheme and host; what anyone else sends in those headers changes nothing.
/// </summary>
public sealed class TrustedProxyTests(ReflectorFixture fixture) : IClassFixture<ReflectorFixture>
{
    private const string PublicHost = "relay.example.com";
    private const string PublicOrigin = "https://" + PublicHost;

    public static TheoryData<string, string> TrustingTheTestClient => new()
    {
        { "ForwardedHeaders:KnownProxies:0", "127.0.0.1" },
        { "ForwardedHeaders:KnownNetworks:0", "127.0.0.0/8" },
    };

    /// <summary>Nobody trusted, or a proxy other than the sender trusted.</summary>
    public static TheoryData<string?, string?> NotTrustingTheTestClient => new()
    {
        { null, null },
        { "ForwardedHeaders:KnownProxies:0", "10.0.0.5" },
        { "ForwardedHeaders:KnownNetworks:0", "192.168.0.0/16" },
    };

    [Theory]
    [MemberData(nameof(TrustingTheTestClient))]
    public async Task Behind_a_trusted_proxy_each_client_address_has_its_own_budget(string key, string value)
    {
        await using var relay = CreateRelay(key, value, addressBudget: 2);
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        var first = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            first.Add(await NegotiateAsync(http, forwardedFor: "203.0.113.1"));
        }

        var second = await NegotiateAsync(http, forwardedFor: "203.0.113.2");

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], first);
        Assert.Equal(HttpStatusCode.Unauthorized, second);
    }

    [Theory]
    [MemberData(nameof(NotTrustingTheTestClient))]
    public async Task From_an_untrusted_sender_X_Forwarded_For_is_ignored_and_its_address_is_one_budget(string? key, string? value)
    {
        await using var relay = CreateRelay(key, value, addressBudget: 2);
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        var statuses = new List<HttpStatusCode>
        {
            await NegotiateAsync(http, forwardedFor: "203.0.113.1"),
            await NegotiateAsync(http, forwardedFor: "203.0.113.2"),
            await NegotiateAsync(http, forwardedFor: "203.0.113.3"),
        };

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    /// <summary>
    /// A TLS-terminating proxy serves the relay's own page at https://relay.example.com and forwards over http:
    /// the page's origin is the relay's own once the forwarded scheme and host are applied.
    /// </summary>
    [Theory]
    [MemberData(nameof(TrustingTheTestClient))]
    public async Task Behind_a_trusted_tls_proxy_the_relays_own_https_page_is_same_origin(string key, string value)
    {
        await using var relay = CreateRelay(key, value);
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        var status = await NegotiateAsync(http, forwardedFor: "203.0.113.1", token: relay.TokenFor(NewUser()), origin: PublicOrigin, forwardedHost: PublicHost);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [MemberData(nameof(TrustingTheTestClient))]
    public async Task Behind_a_trusted_tls_proxy_the_relays_own_https_page_opens_the_websocket(string key, string value)
    {
        await using var relay = CreateRelay(key, value);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", PublicOrigin);
        socket.Options.SetRequestHeader("X-Forwarded-For", "203.0.113.1");
        socket.Options.SetRequestHeader("X-Forwarded-Proto", "https");
        socket.Options.SetRequestHeader("X-Forwarded-Host", PublicHost);
        var url = new UriBuilder(relay.HubUrl) { Scheme = "ws", Query = "access_token=" + relay.TokenFor(NewUser()) }.Uri;

        await socket.ConnectAsync(url, CancellationToken.None).DefaultTimeout();

        Assert.Equal(HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);
    }

    [Theory]
    [MemberData(nameof(NotTrustingTheTestClient))]
    public async Task From_an_untrusted_sender_forwarded_scheme_and_host_do_not_make_a_page_same_origin(string? key, string? value)
    {
        await using var relay = CreateRelay(key, value);
        using var http = new HttpClient { BaseAddress = relay.BaseAddress };

        var status = await NegotiateAsync(http, forwardedFor: "203.0.113.1", token: relay.TokenFor(NewUser()), origin: PublicOrigin, forwardedHost: PublicHost);

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public void Addresses_and_networks_that_do_not_parse_are_each_named_with_their_environment_variable()
    {
        var result = new TrustedProxyOptionsValidator().Validate(null, new TrustedProxyOptions
        {
            KnownProxies = ["10.0.0.5", "proxy.example"],
            KnownNetworks = ["172.18.0.0/16", "10.0.0.0", "10.0.0.0/33", "10.0.0.5/8"],
        });

        var failures = result.Failures!.ToArray();
        Assert.Equal(4, failures.Length);
        Assert.Contains(failures, f => f.StartsWith("ForwardedHeaders:KnownProxies:1 (ForwardedHeaders__KnownProxies__1) must be an IP address", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("ForwardedHeaders:KnownNetworks:1 (ForwardedHeaders__KnownNetworks__1) must be a network in CIDR notation", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("ForwardedHeaders:KnownNetworks:2 (ForwardedHeaders__KnownNetworks__2)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("ForwardedHeaders:KnownNetworks:3 (ForwardedHeaders__KnownNetworks__3)", StringComparison.Ordinal));
    }

    [Fact]
    public void Ipv4_and_ipv6_proxies_and_networks_are_valid()
    {
        var result = new TrustedProxyOptionsValidator().Validate(null, new TrustedProxyOptions
        {
            KnownProxies = ["10.0.0.5", "fd00::5"],
            KnownNetworks = ["172.18.0.0/16", "fd00::/8"],
        });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    private RelayFactory CreateRelay(string? key, string? value, int? addressBudget = null)
    {
        var settings = new Dictionary<string, string?>();
        if (addressBudget is not null)
        {
            settings["Limits:NegotiationsPerAddressPerMinute"] = addressBudget.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (key is not null)
        {
            settings[key] = value;
        }

        return new RelayFactory(fixture.Reflector, settings);
    }

    private static async Task<HttpStatusCode> NegotiateAsync(
        HttpClient http, string forwardedFor, string? token = null, string? origin = null, string? forwardedHost = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/user-events/negotiate?negotiateVersion=1");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
            request.Headers.Add("X-Forwarded-Proto", "https");
            request.Headers.Add("X-Forwarded-Host", forwardedHost);
        }

        using var response = await http.SendAsync(request).DefaultTimeout();
        return response.StatusCode;
    }

    private static string NewUser() => "proxy-" + Guid.NewGuid().ToString("N");
}
