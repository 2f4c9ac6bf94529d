using Reflector.Relay.Events;
using Reflector.Relay.Streams;

namespace Reflector.Relay.Tests.Streams;

public sealed class HandoverOverlapTests
{
    private readonly HandoverOverlap<InvalidateMessage> _overlap = new(capacity: 4);

    [Fact]
    public void What_the_other_relay_repeats_of_this_relays_last_messages_is_skipped_and_what_follows_is_passed_on()
    {
        Tell("a", "b", "c");

        Assert.True(_overlap.IsRepeat(Created("b")));
        Assert.True(_overlap.IsRepeat(Created("c")));
        Assert.False(_overlap.IsRepeat(Created("d")));
        Assert.False(_overlap.IsRepeat(Created("b")));
    }

    [Fact]
    public void A_first_message_this_relay_never_told_means_no_overlap_and_nothing_is_skipped_after_it()
    {
        Tell("a", "b");

        Assert.False(_overlap.IsRepeat(Created("z")));
        Assert.False(_overlap.IsRepeat(Created("a")));
        Assert.False(_overlap.IsRepeat(Created("b")));
    }

    [Fact]
    public void A_message_that_breaks_the_lining_up_is_passed_on_and_so_is_everything_after_it()
    {
        Tell("a", "b", "c");

        Assert.True(_overlap.IsRepeat(Created("a")));
        Assert.False(_overlap.IsRepeat(Created("x")));
        Assert.False(_overlap.IsRepeat(Created("c")));
    }

    [Fact]
    public void A_message_told_twice_could_match_in_two_places_so_nothing_is_skipped()
    {
        Tell("a", "b", "a");

        Assert.False(_overlap.IsRepeat(Created("a")));
        Assert.False(_overlap.IsRepeat(Created("b")));
    }

    [Fact]
    public void A_message_told_while_the_other_relays_stream_was_being_lined_up_is_skipped_too()
    {
        Tell("a", "b");
        Assert.True(_overlap.IsRepeat(Created("a")));

        Tell("c");

        Assert.True(_overlap.IsRepeat(Created("b")));
        Assert.True(_overlap.IsRepeat(Created("c")));
        Assert.False(_overlap.IsRepeat(Created("d")));
    }

    [Fact]
    public void Only_the_last_messages_up_to_the_capacity_are_remembered()
    {
        Tell("a", "b", "c", "d", "e");

        Assert.False(_overlap.IsRepeat(Created("a")));
    }

    [Fact]
    public void Nothing_is_skipped_once_cleared_by_a_new_hold()
    {
        Tell("a");
        _overlap.Clear();

        Assert.False(_overlap.IsRepeat(Created("a")));
    }

    private void Tell(params string[] ids)
    {
        foreach (var id in ids)
        {
            _overlap.Told(Created(id));
        }
    }

    private static InvalidateMessage.TranscriptCreated Created(string id) => new(id);
}
