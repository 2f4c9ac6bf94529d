using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Reflector.Relay.Auth;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Tests.Hosting;

/// <summary>Each invalid setting yields a failure that names its key. The process-level effect is in the functional tests (Hosting/RelayProcessTests).</summary>
public sealed class ConfigurationValidationTests
{
    [Theory]
    [InlineData(null, "Upstream:EventsUrl (environment variable Upstream__EventsUrl) is required")]
    [InlineData("", "Upstream:EventsUrl (environment variable Upstream__EventsUrl) is required")]
    [InlineData("http://reflector:1250/v1/events", "Upstream:EventsUrl must be a ws:// or wss:// URL")]
    [InlineData("not a url", "Upstream:EventsUrl must be a ws:// or wss:// URL")]
    public void An_events_url_that_is_missing_or_not_a_websocket_url_is_named(string? url, string expected)
    {
        var result = new UpstreamOptionsValidator().Validate(null, new UpstreamOptions { EventsUrl = url });

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ws://reflector:1250/v1/events")]
    [InlineData("wss://reflector.example.com/v1/events")]
    public void A_websocket_events_url_with_defaults_is_valid(string url) =>
        Assert.True(new UpstreamOptionsValidator().Validate(null, new UpstreamOptions { EventsUrl = url }).Succeeded);

    [Fact]
    public void Negative_durations_and_a_tiny_message_limit_are_each_named()
    {
        var options = new UpstreamOptions
        {
            EventsUrl = "ws://reflector:1250/v1/events",
            Linger = TimeSpan.FromSeconds(-1),
            ConnectTimeout = TimeSpan.Zero,
            MaxMessageBytes = 0,
            ReconnectDelay = TimeSpan.FromSeconds(5),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
        };

        var failures = new UpstreamOptionsValidator().Validate(null, options).Failures!.ToArray();

        Assert.Contains(failures, f => f.StartsWith("Upstream:Linger must not be negative", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Upstream:ConnectTimeout must be positive", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Upstream:MaxMessageBytes must be at least 256", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Upstream:MaxReconnectDelay must not be less than Upstream:ReconnectDelay", StringComparison.Ordinal));
    }

    [Fact]
    public void Transcript_subscription_limits_that_would_allow_nothing_or_remember_backwards_are_each_named()
    {
        var failures = new Reflector.Relay.Limits.ConnectionLimitsOptionsValidator().Validate(null, new Reflector.Relay.Limits.ConnectionLimitsOptions
        {
            TranscriptRefusalMemory = TimeSpan.FromSeconds(-1),
            TranscriptStreamsPerUserPerMinute = 0,
        }).Failures!.ToArray();

        Assert.Contains("Limits:TranscriptRefusalMemory (Limits__TranscriptRefusalMemory) must not be negative; got -00:00:01.", failures);
        Assert.Contains("Limits:TranscriptStreamsPerUserPerMinute (Limits__TranscriptStreamsPerUserPerMinute) must be at least 1; got 0.", failures);
        // No memory at all is a choice, not a mistake.
        Assert.True(new Reflector.Relay.Limits.ConnectionLimitsOptionsValidator()
            .Validate(null, new Reflector.Relay.Limits.ConnectionLimitsOptions { TranscriptRefusalMemory = TimeSpan.Zero }).Succeeded);
    }

    [Fact]
    public void No_transcript_handshake_slots_is_named()
    {
        var result = new UpstreamOptionsValidator().Validate(null, new UpstreamOptions
        {
            EventsUrl = "ws://reflector:1250/v1/events",
            MaxConcurrentTranscriptHandshakes = 0,
        });

        Assert.Contains("Upstream:MaxConcurrentTranscriptHandshakes must be at least 1; got 0.", result.Failures!);
    }

    [Fact]
    public void No_way_to_validate_tokens_names_every_option_that_would_provide_one()
    {
        var result = Validate(new RelayAuthenticationOptions());

        Assert.Contains("No way to validate tokens is configured", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Authentication__Jwt__PublicKeyFile", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Authentication__Jwt__Authority", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("AzureAd__ClientId", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_public_key_without_an_audience_is_refused()
    {
        using var key = new TemporaryPublicKey();

        var result = Validate(new RelayAuthenticationOptions { Jwt = { PublicKeyFile = key.Path } });

        Assert.Contains("Authentication:Jwt:Audience (Authentication__Jwt__Audience) is required", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_unreadable_key_file_is_named_with_its_path()
    {
        var result = Validate(new RelayAuthenticationOptions { Jwt = { PublicKeyFile = "/nonexistent/key.pem", Audience = "reflector" } });

        Assert.Contains("Authentication:Jwt:PublicKeyFile: cannot read '/nonexistent/key.pem'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_public_key_is_refused()
    {
        var path = System.IO.Path.GetTempFileName();
        File.WriteAllText(path, "hello");
        try
        {
            var result = Validate(new RelayAuthenticationOptions { Jwt = { PublicKeyFile = path, Audience = "reflector" } });

            Assert.Contains("does not hold a PEM public key for RS256", result.FailureMessage, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("http://idp.example.test/", true, false)]
    [InlineData("http://idp.example.test/", false, true)]
    [InlineData("https://idp.example.test/application/o/reflector/", true, true)]
    [InlineData("idp.example.test", true, false)]
    public void An_authority_must_be_https_unless_explicitly_allowed(string authority, bool requireHttps, bool valid)
    {
        var result = Validate(new RelayAuthenticationOptions { Jwt = { Authority = authority, Audience = "reflector", RequireHttpsMetadata = requireHttps } });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Authentication:Jwt:Authority must be an https:// URL", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_authority_without_an_audience_is_refused()
    {
        var result = Validate(new RelayAuthenticationOptions { Jwt = { Authority = "https://idp.example.test/application/o/reflector/" } });

        Assert.Contains("Authentication:Jwt:Audience (Authentication__Jwt__Audience) is required with Authentication:Jwt:Authority", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void An_azure_ad_section_alone_is_a_way_to_validate_tokens()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureAd:ClientId"] = Guid.NewGuid().ToString() })
            .Build();

        Assert.True(new RelayAuthenticationOptionsValidator(configuration).Validate(null, new RelayAuthenticationOptions()).Succeeded);
    }

    [Fact]
    public void A_valid_public_key_and_audience_pass()
    {
        using var key = new TemporaryPublicKey();

        Assert.True(Validate(new RelayAuthenticationOptions { Jwt = { PublicKeyFile = key.Path, Audience = "reflector" } }).Succeeded);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("https://reflector.example.test/", true)]
    public void A_public_key_beside_an_authority_must_name_its_issuer(string? issuer, bool valid)
    {
        using var key = new TemporaryPublicKey();

        var result = Validate(new RelayAuthenticationOptions
        {
            Jwt = { PublicKeyFile = key.Path, Issuer = issuer, Authority = "https://idp.example.test/application/o/reflector/", Audience = "reflector" },
        });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Authentication:Jwt:Issuer (Authentication__Jwt__Issuer) is required", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("short", null, "Authentication:Jwt:SecretKey (Authentication__Jwt__SecretKey) must be at least 32 bytes (256 bits")]
    [InlineData("a-secret-of-enough-length-for-hs256", "/run/secrets/reflector", "Authentication:Jwt:SecretKey and Authentication:Jwt:SecretKeyFile")]
    [InlineData(null, "/nonexistent/secret", "Authentication:Jwt:SecretKeyFile (Authentication__Jwt__SecretKeyFile): cannot read '/nonexistent/secret'")]
    public void A_password_backend_secret_that_cannot_be_used_is_named(string? secret, string? file, string expected)
    {
        var result = Validate(new RelayAuthenticationOptions { Jwt = new JwtValidationOptions { SecretKey = secret, SecretKeyFile = file } });

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("No way to validate tokens", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_backend_secret_alone_is_a_way_to_validate_tokens() =>
        Assert.True(Validate(new RelayAuthenticationOptions { Jwt = new JwtValidationOptions { SecretKey = "changeme-f02f86fd8b3e4fd892c6043e5a298e21" } }).Succeeded);

    private static ValidateOptionsResult Validate(RelayAuthenticationOptions options) =>
        new RelayAuthenticationOptionsValidator(new ConfigurationBuilder().Build()).Validate(null, options);

    private sealed class TemporaryPublicKey : IDisposable
    {
        public TemporaryPublicKey()
        {
            using var rsa = System.Security.Cryptography.RSA.Create(2048);
            File.WriteAllText(Path, rsa.ExportSubjectPublicKeyInfoPem());
        }

        public string Path { get; } = System.IO.Path.GetTempFileName();

        public void Dispose() => File.Delete(Path);
    }
}
