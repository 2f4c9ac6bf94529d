using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Reflector.Relay.Tests.Auth;

/// <summary>
/// Serves an identity provider's documents (discovery, JWKS) from memory, so metadata is fetched over the
/// real code path with no network. Anything else is a 404.
/// </summary>
internal sealed class MetadataHandler : HttpMessageHandler
{
    private readonly ConcurrentDictionary<Uri, string> _documents = new();

    public ConcurrentQueue<Uri> Requested { get; } = new();

    public MetadataHandler Serve(string url, string json)
    {
        _documents[new Uri(url)] = json;
        return this;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var url = request.RequestUri!;
        Requested.Enqueue(url);
        var response = _documents.TryGetValue(url, out var json)
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") }
            : new HttpResponseMessage(HttpStatusCode.NotFound);
        response.RequestMessage = request;
        return Task.FromResult(response);
    }
}
