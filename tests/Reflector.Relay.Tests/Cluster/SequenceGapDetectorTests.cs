using Reflector.Relay.Cluster;

namespace Reflector.Relay.Tests.Cluster;

public sealed class SequenceGapDetectorTests
{
    [Fact]
    public void Messages_numbered_one_after_another_are_no_gap()
    {
        var gaps = new SequenceGapDetector();

        Assert.False(gaps.Observe(7, 1));
        Assert.False(gaps.Observe(7, 2));
        Assert.False(gaps.Observe(7, 3));
    }

    [Fact]
    public void The_first_message_heard_is_no_gap_whatever_its_number()
    {
        Assert.False(new SequenceGapDetector().Observe(7, 42));
    }

    [Fact]
    public void A_number_skipped_is_a_gap_once()
    {
        var gaps = new SequenceGapDetector();
        gaps.Observe(7, 1);

        Assert.True(gaps.Observe(7, 3));
        Assert.False(gaps.Observe(7, 4));
    }

    [Fact]
    public void A_message_heard_twice_or_late_is_no_gap_and_does_not_move_the_count_back()
    {
        var gaps = new SequenceGapDetector();
        gaps.Observe(7, 1);
        gaps.Observe(7, 2);

        Assert.False(gaps.Observe(7, 2));
        Assert.False(gaps.Observe(7, 1));
        Assert.False(gaps.Observe(7, 3));
    }

    [Fact]
    public void A_new_holder_starts_its_epoch_at_one_and_anything_else_is_a_gap()
    {
        var gaps = new SequenceGapDetector();
        gaps.Observe(7, 5);
        Assert.False(gaps.Observe(8, 1));

        var missedTheStart = new SequenceGapDetector();
        missedTheStart.Observe(7, 5);
        Assert.True(missedTheStart.Observe(8, 2));
    }

    [Fact]
    public void Counting_from_the_holders_position_a_first_message_that_skips_a_number_is_a_gap()
    {
        var gaps = new SequenceGapDetector();
        gaps.StartAt(7, 4);

        Assert.True(gaps.Observe(7, 6));
        Assert.False(gaps.Observe(7, 7));
    }

    [Fact]
    public void Messages_published_before_the_position_was_read_are_no_gap_and_the_next_after_it_is_none_either()
    {
        var gaps = new SequenceGapDetector();
        gaps.StartAt(7, 4);

        Assert.False(gaps.Observe(7, 3));
        Assert.False(gaps.Observe(7, 4));
        Assert.False(gaps.Observe(7, 5));
    }

    [Fact]
    public void A_position_older_than_what_was_heard_does_not_move_the_count_back()
    {
        var gaps = new SequenceGapDetector();
        gaps.Observe(7, 9);
        gaps.StartAt(7, 4);

        Assert.False(gaps.Observe(7, 10));
    }

    [Fact]
    public void After_holding_the_stream_the_next_message_heard_starts_afresh()
    {
        var gaps = new SequenceGapDetector();
        gaps.Observe(7, 1);
        gaps.Reset();

        Assert.False(gaps.Observe(9, 12));
    }
}
