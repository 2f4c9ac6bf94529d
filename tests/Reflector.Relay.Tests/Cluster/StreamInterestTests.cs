using Reflector.Relay.Cluster;

namespace Reflector.Relay.Tests.Cluster;

public sealed class StreamInterestTests
{
    private readonly StreamInterest _interest = new("self");

    [Fact]
    public void This_relay_alone_is_no_reason_to_keep_the_socket()
    {
        _interest.Replace(["self"]);

        Assert.False(_interest.AnyLive(_ => true));
    }

    [Fact]
    public void Another_relay_counts_only_while_it_lives()
    {
        _interest.Replace(["self", "other"]);

        Assert.True(_interest.AnyLive(node => node == "other"));
        Assert.False(_interest.AnyLive(_ => false));
    }

    [Fact]
    public void Relays_found_dead_are_forgotten_and_that_is_said_only_when_one_was_interested()
    {
        _interest.Replace(["other", "third"]);

        Assert.False(_interest.Forget(new HashSet<string> { "stranger" }));
        Assert.True(_interest.Forget(new HashSet<string> { "other" }));
        Assert.True(_interest.AnyLive(node => node == "third"));
        Assert.False(_interest.AnyLive(node => node == "other"));
    }

    [Fact]
    public void A_new_read_replaces_the_last()
    {
        _interest.Replace(["other"]);
        _interest.Replace(["third"]);

        Assert.False(_interest.AnyLive(node => node == "other"));
    }
}
