using Deploy.Tests.Infrastructure;

namespace Deploy.Tests.Prometheus;

/// <summary>Prometheus's own checks over deploy/prometheus: config, rule syntax, and the rule unit tests.</summary>
public sealed class PromtoolTests
{
    [Fact]
    public async Task Production_config_passes_promtool_check_config()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");

        var result = await ExternalTool.RunAsync(promtool, ["check", "config", DeployPaths.PrometheusConfig], cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"{DeployPaths.RuleFiles.Count} rule files found", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rule_files_pass_promtool_check_rules()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");

        var result = await ExternalTool.RunAsync(promtool, ["check", "rules", .. DeployPaths.RuleFiles], cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public async Task Rule_unit_tests_pass_promtool_test_rules()
    {
        var promtool = ExternalTool.Require("promtool", "prometheus");

        var result = await ExternalTool.RunAsync(promtool, ["test", "rules", .. DeployPaths.RuleTestFiles], workingDirectory: DeployPaths.RuleTestsDirectory, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain("FAILED", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_test_rules_fails_when_an_expected_alert_does_not_fire()
    {
        // The unit tests are only worth something if promtool rejects a wrong expectation: flip one and see it fail.
        var promtool = ExternalTool.Require("promtool", "prometheus");
        var original = await File.ReadAllTextAsync(Path.Combine(DeployPaths.RuleTestsDirectory, "platform-alerts.test.yml"), TestContext.Current.CancellationToken);
        var broken = original
            .Replace("values: '1 1 0 0 0 0 0'", "values: '1 1 1 1 1 1 1'", StringComparison.Ordinal)
            .Replace("../rules/", DeployPaths.RulesDirectory + "/", StringComparison.Ordinal);
        Assert.NotEqual(original, broken);
        var path = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.test.yml");
        try
        {
            await File.WriteAllTextAsync(path, broken, TestContext.Current.CancellationToken);

            var result = await ExternalTool.RunAsync(promtool, ["test", "rules", path], cancellationToken: TestContext.Current.CancellationToken);

            Assert.NotEqual(0, result.ExitCode);
            Assert.DoesNotContain("no such file", result.Output, StringComparison.Ordinal);
            Assert.Contains("MlTargetDown", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Every_rule_file_is_loaded_by_a_unit_test_file()
    {
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var testFile in DeployPaths.RuleTestFiles)
        {
            loaded.UnionWith(await RuleUnitTests.RuleFilesOfAsync(testFile, TestContext.Current.CancellationToken));
        }

        var untested = DeployPaths.RuleFiles.Select(Path.GetFullPath).Where(file => !loaded.Contains(file)).ToList();
        Assert.True(untested.Count == 0, "No unit test file loads: " + string.Join(", ", untested));
    }
}
