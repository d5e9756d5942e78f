namespace AppHost.Resources;

/// <summary>One line a resource wrote to stdout or stderr.</summary>
public readonly record struct OutputLine(string ResourceName, string Text, bool IsError);
