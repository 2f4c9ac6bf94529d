using Reflector.Simulator;

namespace Reflector.Relay.Tests.Infrastructure;

internal static class ReflectorAssertions
{
    /// <summary>
    /// Exactly <paramref name="count"/> handshakes for the user. The simulator counts a handshake just after
    /// answering it, so a relay may already be connected a moment before its handshake is counted: wait for the
    /// count, then check that it is not higher.
    /// </summary>
    public static async Task AssertHandshakesAsync(this SimulatedReflector reflector, string userId, int count)
    {
        await reflector.WaitForHandshakesAsync(userId, count, TestTimeouts.Default);
        Assert.Equal(count, reflector.Handshakes(userId));
    }
}
