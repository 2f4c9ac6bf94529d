namespace Reflector.Relay.Transcripts;

/// <summary>Reflector refused a transcript's stream: the transcript is missing, deleted, or not allowed to this user.</summary>
internal sealed class TranscriptRefusedException(string transcriptId, int code)
    : Exception($"Transcript '{transcriptId}' was not found or is not allowed.")
{
    public int Code { get; } = code;
}
