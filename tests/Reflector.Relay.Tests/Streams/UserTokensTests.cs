using Reflector.Relay.Streams;

namespace Reflector.Relay.Tests.Streams;

public sealed class UserTokensTests
{
    private static readonly DateTimeOffset Expiry = DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    // Each tab's token is read from its own request, so equal tokens arrive as distinct strings.
    private static UpstreamToken Read(string value) => new(new string(value.AsSpan()), Expiry);

    [Fact]
    public void Tabs_holding_the_same_token_share_one_copy_of_it()
    {
        var tokens = new UserTokens();

        tokens.Add("tab-1", Read("header.payload.signature"));
        tokens.Add("tab-2", Read("header.payload.signature"));

        Assert.Same(tokens.Of("tab-1"), tokens.Of("tab-2"));
    }

    [Fact]
    public void A_tab_with_another_token_keeps_its_own()
    {
        var tokens = new UserTokens();

        tokens.Add("tab-1", Read("header.payload.signature"));
        tokens.Add("tab-2", Read("header.newer-payload.signature"));

        Assert.Equal("header.payload.signature", tokens.Of("tab-1")!.Value);
        Assert.Equal("header.newer-payload.signature", tokens.Of("tab-2")!.Value);
    }

    [Fact]
    public void A_refused_token_two_tabs_share_stays_refused_while_one_of_them_remains()
    {
        var tokens = new UserTokens();
        tokens.Add("tab-1", Read("header.payload.signature"));
        tokens.Add("tab-2", Read("header.payload.signature"));

        tokens.MarkRefused(tokens.Of("tab-1")!);
        tokens.Remove("tab-1");

        Assert.Null(tokens.Best(Expiry.AddDays(-1), out _, out var hasConnections));
        Assert.True(hasConnections);
        Assert.Equal(1, tokens.RefusedCount);
    }

    [Fact]
    public void A_shared_token_stays_with_the_tab_that_remains_when_the_first_leaves()
    {
        var tokens = new UserTokens();
        tokens.Add("tab-1", Read("header.payload.signature"));
        tokens.Add("tab-2", Read("header.payload.signature"));

        tokens.Remove("tab-1");

        Assert.Null(tokens.Of("tab-1"));
        Assert.Equal("header.payload.signature", tokens.Best(Expiry.AddDays(-1), out _, out _)!.Value);
    }
}
