using Deploy.Tests.Infrastructure;

namespace Deploy.Tests.Prometheus;

/// <summary>One expectation of a promtool unit test file: the alerts expected for an alert name at a time.</summary>
public sealed record AlertExpectation(
    string File,
    string TestName,
    string AlertName,
    string EvalTime,
    IReadOnlyList<IReadOnlyDictionary<string, string>> ExpectedLabels)
{
    /// <summary>Expects no alert: the "stays quiet" half of an alert's tests.</summary>
    public bool ExpectsSilence => ExpectedLabels.Count == 0;
}

/// <summary>The <c>alert_rule_test</c> entries of deploy/prometheus/tests/*.yml.</summary>
public static class RuleUnitTests
{
    public static async Task<IReadOnlyList<AlertExpectation>> LoadAsync(CancellationToken cancellationToken = default)
    {
        var expectations = new List<AlertExpectation>();
        foreach (var path in DeployPaths.RuleTestFiles)
        {
            var file = Path.GetFileName(path);
            foreach (var test in (await Yaml.LoadAsync(path, cancellationToken))["tests"]!.AsArray())
            {
                if (test!["alert_rule_test"] is not { } alertTests)
                {
                    continue;
                }

                foreach (var alertTest in alertTests.AsArray())
                {
                    var labels = alertTest!["exp_alerts"]?.AsArray()
                        .Select(alert => (IReadOnlyDictionary<string, string>)RuleDefinitions.Strings(alert!["exp_labels"]))
                        .ToList() ?? [];
                    expectations.Add(new AlertExpectation(file, (string?)test["name"] ?? "", (string)alertTest["alertname"]!, alertTest["eval_time"]!.ToString(), labels));
                }
            }
        }

        return expectations;
    }

    /// <summary>The rule files a test file loads, resolved against the test file's folder.</summary>
    public static async Task<IReadOnlyList<string>> RuleFilesOfAsync(string testFile, CancellationToken cancellationToken = default) =>
        [.. (await Yaml.LoadAsync(testFile, cancellationToken))["rule_files"]!.AsArray()
            .Select(path => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(testFile)!, (string)path!)))];
}
