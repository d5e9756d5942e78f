using System.Text.RegularExpressions;
using Deploy.Tests.Infrastructure;

namespace Deploy.Tests.Prometheus;

/// <summary>What every alert must carry, and that every alert has a firing and a quiet unit test.</summary>
public sealed partial class AlertRuleTests
{
    private static readonly string[] Severities = ["critical", "warning"];

    [Fact]
    public async Task Every_alert_has_a_severity_summary_description_and_runbook_url()
    {
        var alerts = (await RuleDefinitions.LoadAsync(TestContext.Current.CancellationToken)).Where(rule => rule.IsAlert).ToList();
        Assert.NotEmpty(alerts);

        var problems = new List<string>();
        foreach (var alert in alerts)
        {
            if (!Severities.Contains(alert.Severity))
            {
                problems.Add($"{alert}: severity must be one of {string.Join(", ", Severities)}");
            }

            foreach (var annotation in new[] { "summary", "description", "runbook_url" })
            {
                if (string.IsNullOrWhiteSpace(alert.Annotations.GetValueOrDefault(annotation)))
                {
                    problems.Add($"{alert}: no {annotation} annotation");
                }
            }

            if (!alert.Annotations.GetValueOrDefault("description", "").Contains("$value", StringComparison.Ordinal))
            {
                problems.Add($"{alert}: the description does not show {{{{ $value }}}}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task Every_runbook_url_points_to_a_section_of_docs_runbooks_md()
    {
        var anchors = RunbookAnchors(await File.ReadAllTextAsync(DeployPaths.Runbooks, TestContext.Current.CancellationToken));
        var alerts = (await RuleDefinitions.LoadAsync(TestContext.Current.CancellationToken)).Where(rule => rule.IsAlert);

        var problems = new List<string>();
        foreach (var alert in alerts)
        {
            var url = alert.Annotations.GetValueOrDefault("runbook_url", "");
            var expected = $"docs/runbooks.md#{alert.Name.ToLowerInvariant()}";
            if (url != expected)
            {
                problems.Add($"{alert}: runbook_url is '{url}', expected '{expected}'");
            }
            else if (!anchors.Contains(alert.Name.ToLowerInvariant()))
            {
                problems.Add($"{alert}: docs/runbooks.md has no section '## {alert.Name}'");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Runbook_anchors_follow_the_heading_slugs()
    {
        var anchors = RunbookAnchors("# Runbooks\n## MlTargetDown\ntext\n## Two Words, here\n");

        Assert.Equal(["mltargetdown", "runbooks", "two-words-here"], anchors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Per_model_alerts_name_the_model_in_their_description()
    {
        // An alert whose firing unit test expects a model label must tell which model in its description.
        var expectations = await RuleUnitTests.LoadAsync(TestContext.Current.CancellationToken);
        var perModel = expectations.Where(e => e.ExpectedLabels.Any(labels => labels.ContainsKey("model"))).Select(e => e.AlertName).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(perModel);
        var alerts = (await RuleDefinitions.LoadAsync(TestContext.Current.CancellationToken)).Where(rule => rule.IsAlert && perModel.Contains(rule.Name));

        Assert.All(alerts, alert => Assert.Contains("{{ $labels.model }}", alert.Annotations["description"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_alert_has_a_unit_test_that_fires_it_at_each_severity_and_one_that_stays_quiet()
    {
        var alerts = (await RuleDefinitions.LoadAsync(TestContext.Current.CancellationToken)).Where(rule => rule.IsAlert).ToList();
        var expectations = await RuleUnitTests.LoadAsync(TestContext.Current.CancellationToken);

        var problems = new List<string>();
        foreach (var alert in alerts)
        {
            var fires = expectations.Any(e => e.AlertName == alert.Name && e.ExpectedLabels.Any(labels => labels.GetValueOrDefault("severity") == alert.Severity));
            if (!fires)
            {
                problems.Add($"{alert}: no alert_rule_test expects it to fire with severity {alert.Severity}");
            }
        }

        foreach (var name in alerts.Select(alert => alert.Name).Distinct(StringComparer.Ordinal))
        {
            if (!expectations.Any(e => e.AlertName == name && e.ExpectsSilence))
            {
                problems.Add($"{name}: no alert_rule_test expects it to stay quiet (exp_alerts: [])");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task Unit_tests_name_only_alerts_that_exist()
    {
        var names = (await RuleDefinitions.LoadAsync(TestContext.Current.CancellationToken)).Where(rule => rule.IsAlert).Select(rule => rule.Name).ToHashSet(StringComparer.Ordinal);
        var expectations = await RuleUnitTests.LoadAsync(TestContext.Current.CancellationToken);

        // promtool passes a test of a misspelt alert name that expects silence; this catches it.
        var unknown = expectations.Where(e => !names.Contains(e.AlertName)).Select(e => $"{e.File}: {e.TestName}: {e.AlertName}").ToList();
        Assert.True(unknown.Count == 0, string.Join('\n', unknown));
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation removed, spaces to hyphens.</summary>
    internal static HashSet<string> RunbookAnchors(string markdown) =>
        markdown.Split('\n')
            .Where(line => line.StartsWith('#'))
            .Select(line => SlugPunctuation().Replace(line.TrimStart('#').Trim().ToLowerInvariant(), "").Replace(' ', '-'))
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"[^a-z0-9 _-]")]
    private static partial Regex SlugPunctuation();
}
