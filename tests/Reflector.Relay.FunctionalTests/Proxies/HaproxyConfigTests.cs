using System.Text.RegularExpressions;
using Reflector.Relay.FunctionalTests.Infrastructure;

namespace Reflector.Relay.FunctionalTests.Proxies;

/// <summary>
/// The HAProxy config the cluster profile ships (<c>deploy/haproxy-cluster.cfg</c>): what it logs of a request. A
/// SignalR URL's query string holds the access token (<c>access_token</c>) and the connection token (<c>id</c>), so
/// a proxy that logs whole URIs hands both to whoever reads its logs.
/// </summary>
public sealed partial class HaproxyConfigTests
{
    private static readonly string ConfigPath = Path.Combine(Repository.Root, "deploy", "haproxy-cluster.cfg");

    [Fact]
    public void The_shipped_HAProxy_config_logs_each_request_by_its_path_and_never_by_its_whole_uri()
    {
        var directives = Directives();
        var formats = directives.Where(line => line.StartsWith("log-format ", StringComparison.Ordinal)).ToList();

        // `option httplog` (and its TLS twin) log `%r`, the whole request line; a custom format replaces it.
        Assert.DoesNotContain(directives, line => HttpLogOption().IsMatch(line));
        Assert.Single(formats);
        Assert.Contains("%HP", formats[0], StringComparison.Ordinal);
        foreach (var format in formats)
        {
            var fetches = WholeUriFetch().Matches(format).Select(match => match.Value).ToList();
            Assert.True(fetches.Count == 0, $"the log format fetches whole URIs or query strings ({string.Join(", ", fetches)}): {format}");
        }
    }

    [Fact]
    public void The_shipped_HAProxy_config_captures_no_url_or_query_string_for_its_logs()
    {
        var captures = Directives()
            .Where(line => line.StartsWith("capture ", StringComparison.Ordinal) || line.StartsWith("http-request capture ", StringComparison.Ordinal))
            .ToList();

        // A captured header or sample is logged with `%hr`; the referer carries a page's URL, with its query.
        Assert.DoesNotContain(captures, capture => UrlSample().IsMatch(capture) || capture.Contains("referer", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("log-format \"%ci [%tr] %{+Q}r\"")]
    [InlineData("log-format \"%ci %HM %HU %HV\"")]
    [InlineData("log-format \"%ci %HP%HQ\"")]
    [InlineData("log-format \"%ci %[url]\"")]
    [InlineData("log-format \"%ci %[capture.req.uri]\"")]
    [InlineData("log-format \"%ci %{+Q}[query]\"")]
    public void The_check_recognises_a_log_format_that_logs_query_strings(string format) =>
        Assert.Matches(WholeUriFetch(), format);

    /// <summary>The config's lines without comments, blanks and indentation.</summary>
    private static List<string> Directives() =>
        [.. File.ReadAllLines(ConfigPath)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))];

    [GeneratedRegex(@"^option\s+https?log\b")]
    private static partial Regex HttpLogOption();

    /// <summary>
    /// <c>%r</c> (request line), <c>%HU</c> (URI), <c>%HQ</c> (query string), with or without flags, and sample
    /// fetches of the URL or its query (<c>url</c>, <c>url32</c>, <c>urlp</c>, <c>url_param</c>, <c>query</c>,
    /// <c>pathq</c>, <c>baseq</c>, <c>capture.req.uri</c>).
    /// </summary>
    [GeneratedRegex(@"%(\{[^}]*\})?(r\b|HU|HQ)|%(\{[^}]*\})?\[\s*(url|urlp|url_param|url32|query|pathq|baseq|capture\.req\.uri)\b")]
    private static partial Regex WholeUriFetch();

    [GeneratedRegex(@"\b(url|urlp|url_param|url32|query|pathq|baseq|capture\.req\.uri)\b")]
    private static partial Regex UrlSample();
}
