namespace Reflector.Relay.Bench.Clients;

/// <summary>The kinds of transcript event the transcripts scenario tells apart; <see cref="Other"/> is any other.</summary>
internal enum TranscriptEventKind
{
    Transcript,
    Topic,
    Duration,
    Waveform,
    Resync,
    Other,
}

/// <summary>What a transcript tab reports as it reads. Called from the tab's receive loop, one call at a time per tab.</summary>
internal interface ITranscriptListener
{
    /// <param name="tab">The receiving tab.</param>
    /// <param name="kind">The event's kind.</param>
    /// <param name="stamp">
    /// A <c>TRANSCRIPT</c>'s text or a <c>TOPIC</c>'s id, as UTF-8 (empty for other kinds): in a stamped load,
    /// "{runId}:{sequence}:{sentAtMicros}".
    /// </param>
    void Received(int tab, TranscriptEventKind kind, ReadOnlySpan<byte> stamp);

    /// <summary>A frame the tab could not read.</summary>
    void Unreadable();
}
