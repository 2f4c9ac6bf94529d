using System.Text;
using System.Text.Json;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

/// <summary>
/// The envelope both streams share, read with the transcript stream's data reader; each stream's parser tests cover the
/// same drops through its own entry point.
/// </summary>
public sealed class ReflectorFrameTests
{
    [Fact]
    public void The_event_may_follow_its_data_among_other_keys()
    {
        var accepted = TryRead("""{"v":[1,{"event":"X"}],"data":{"title":"Weekly"},"event":"FINAL_TITLE","x":null}""", out var eventName, out var data, out _);

        Assert.True(accepted);
        Assert.Equal("FINAL_TITLE", eventName);
        Assert.Equal("Weekly", data.Title.Value);
    }

    [Fact]
    public void The_last_of_a_repeated_key_wins()
    {
        var accepted = TryRead("""{"event":"A","data":{"title":"first"},"event":"FINAL_TITLE","data":{"text":"second"}}""", out var eventName, out var data, out _);

        Assert.True(accepted);
        Assert.Equal("FINAL_TITLE", eventName);
        Assert.Equal(FieldState.Missing, data.Title.State);
        Assert.Equal("second", data.Text.Value);
    }

    [Theory]
    // Invalid JSON anywhere outweighs every other problem.
    [InlineData("{\"event\":1} x", nameof(DropReason.NotJson), null, null)]
    [InlineData("{\"event\":1,\"data\":[}", nameof(DropReason.NotJson), null, null)]
    // Then the event's name, then its data.
    [InlineData("{\"event\":1}", nameof(DropReason.WrongFieldType), null, "event")]
    [InlineData("{\"event\":null,\"data\":{}}", nameof(DropReason.WrongFieldType), null, "event")]
    [InlineData("{}", nameof(DropReason.MissingEventName), null, null)]
    [InlineData("{\"event\":\"A\",\"data\":null}", nameof(DropReason.WrongFieldType), "A", "data")]
    [InlineData("{\"event\":\"A\"}", nameof(DropReason.MissingData), "A", "data")]
    [InlineData("  ", nameof(DropReason.NotJson), null, null)]
    [InlineData("null", nameof(DropReason.NotAnObject), null, null)]
    public void A_frame_without_a_named_event_and_its_data_object_is_dropped_for_its_first_problem(
        string frame, string reason, string? eventName, string? field)
    {
        var accepted = TryRead(frame, out _, out _, out var dropped);

        Assert.False(accepted);
        Assert.Equal(Enum.Parse<DropReason>(reason), dropped.DropReason);
        Assert.Equal(eventName, dropped.EventName);
        Assert.Equal(field, dropped.Field);
        Assert.Null(dropped.Message);
    }

    [Fact]
    public void An_empty_frame_is_dropped_as_empty()
    {
        Assert.False(TryRead("", out _, out _, out var dropped));
        Assert.Equal(DropReason.EmptyFrame, dropped.DropReason);
    }

    [Fact]
    public void Event_names_are_cut_to_64_characters_for_the_logs()
    {
        TryRead($$$"""{"event":"{{{new string('é', 100)}}}","data":{}}""", out var eventName, out _, out _);

        Assert.Equal(new string('é', 64), eventName);
    }

    [Fact]
    public void CopyData_returns_the_data_as_sent_and_outlives_the_frame_buffer()
    {
        var frame = Encoding.UTF8.GetBytes("""{"event":"DAG_STATUS","x":{"data":1},"data":{"tasks":[{"name":"diarize"}],"n":1.50}}""");

        var data = ReflectorFrame.CopyData(frame);
        Array.Clear(frame);

        Assert.Equal("""{"tasks":[{"name":"diarize"}],"n":1.50}""", data.GetRawText());
    }

    private static bool TryRead(string frame, out string eventName, out TranscriptEventData data, out ParsedFrame<TranscriptEventMessage> dropped) =>
        ReflectorFrame.TryRead(Encoding.UTF8.GetBytes(frame), TranscriptEventData.Read, out eventName, out data, out dropped);
}
