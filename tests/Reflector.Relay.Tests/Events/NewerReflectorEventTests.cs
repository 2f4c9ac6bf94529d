using System.Text;
using System.Text.Json;
using Reflector.Relay.Events;

namespace Reflector.Relay.Tests.Events;

/// <summary>
/// Events a newer Reflector adds (its open work adds <c>TRANSCRIPT_DAG_STATUS</c> for users, <c>DAG_STATUS</c> and
/// <c>DAG_TASK_PROGRESS</c> for transcripts) reach the page in a general form instead of being dropped.
/// </summary>
public sealed class NewerReflectorEventTests
{
    [Fact]
    public void An_unknown_user_event_naming_a_transcript_becomes_transcript_changed()
    {
        var result = UserEventParser.Parse(Encoding.UTF8.GetBytes(
            """{"event":"TRANSCRIPT_DAG_STATUS","data":{"id":"t-42","status":"running","tasks":[{"name":"diarize"}]}}"""));

        Assert.Equal(new InvalidateMessage.TranscriptChanged("t-42", "TRANSCRIPT_DAG_STATUS"), result.Message);
    }

    [Theory]
    [InlineData("""{"event":"USER_SETTINGS_CHANGED","data":{"theme":"dark"}}""")]
    [InlineData("""{"event":"TRANSCRIPT_DAG_STATUS","data":{"id":""}}""")]
    [InlineData("""{"event":"TRANSCRIPT_DAG_STATUS","data":{"id":7}}""")]
    public void An_unknown_user_event_that_names_no_transcript_is_dropped_as_unknown(string frame)
    {
        var result = UserEventParser.Parse(Encoding.UTF8.GetBytes(frame));

        Assert.Null(result.Message);
        Assert.Equal(DropReason.UnknownEvent, result.DropReason);
    }

    [Theory]
    [InlineData("DAG_STATUS", """{"status":"running","tasks":[{"name":"transcribe","status":"done"},{"name":"diarize","status":"running"}]}""")]
    [InlineData("DAG_TASK_PROGRESS", """{"task":"diarize","progress":0.42}""")]
    public void An_unknown_transcript_event_is_passed_on_with_its_data_as_sent(string eventName, string data)
    {
        var frame = Encoding.UTF8.GetBytes($$"""{"event":"{{eventName}}","data":{{data}}}""");

        var unknown = Assert.IsType<TranscriptEventMessage.Unknown>(TranscriptEventParser.Parse("t1", frame).Message);

        // The frame's buffer is reused by the socket: the data must not point into it.
        Array.Clear(frame);
        Assert.Equal("t1", unknown.TranscriptId);
        Assert.Equal(eventName, unknown.Event);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(data).RootElement, unknown.Data));
    }
}
